# The image for the api, worker and sandbox services of docker-compose.yml.
#
# Base: Playwright's official Python image. It ships the browsers Playwright
# ${PLAYWRIGHT_VERSION} drives, baked into /ms-playwright (PLAYWRIGHT_BROWSERS_PATH), so the
# build downloads no browser. The Ubuntu 24.04 ("noble") variant is used because it has
# Python 3.12; the project needs Python 3.11 or newer and the "jammy" variant has 3.10.
ARG PLAYWRIGHT_VERSION=1.55.0
FROM mcr.microsoft.com/playwright/python:v${PLAYWRIGHT_VERSION}-noble
ARG PLAYWRIGHT_VERSION

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

WORKDIR /app
COPY . .

# The playwright package is pinned to the image's version so its driver matches the
# Chromium build under /ms-playwright. That Chromium lives at
# /ms-playwright/chromium-<revision>/chrome-linux/chrome; the revision changes with every
# Playwright release, so it is found here and linked to a stable path.
RUN pip install "playwright==${PLAYWRIGHT_VERSION}" . \
 && chrome="$(ls -d /ms-playwright/chromium-*/chrome-linux*/chrome | head -n 1)" \
 && test -x "$chrome" \
 && ln -s "$chrome" /usr/local/bin/chromium \
 && mkdir -p /data/artifacts \
 && chown -R pwuser:pwuser /data

ENV PORTALS_BROWSER_PATH=/usr/local/bin/chromium \
    PORTALS_DATA_DIR=/data

USER pwuser
EXPOSE 8000 8401
CMD ["portals", "--help"]
