import pyotp

from bots.mfa import TOTP_STEP, TotpCodes

SECRET = pyotp.random_base32()


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now
        self.waited: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.waited.append(seconds)
        self.now += seconds


def test_code_is_the_current_steps_when_time_is_left() -> None:
    clock = FakeClock(1_000 * TOTP_STEP + 5)
    codes = TotpCodes(clock=clock, wait=clock.wait)
    assert codes.code("acct", SECRET) == pyotp.TOTP(SECRET).at(1_000 * TOTP_STEP)
    assert clock.waited == []


def test_waits_for_the_next_step_near_the_end_of_a_window() -> None:
    clock = FakeClock(1_000 * TOTP_STEP + 29)
    codes = TotpCodes(clock=clock, wait=clock.wait)
    code = codes.code("acct", SECRET)
    assert clock.waited and clock.waited[0] > 0.9
    assert code == pyotp.TOTP(SECRET).at(1_001 * TOTP_STEP)


def test_never_uses_the_same_step_twice_for_an_account() -> None:
    clock = FakeClock(1_000 * TOTP_STEP + 1)
    codes = TotpCodes(clock=clock, wait=clock.wait)
    first = codes.code("acct", SECRET)
    second = codes.code("acct", SECRET)
    assert first != second
    assert second == pyotp.TOTP(SECRET).at(1_001 * TOTP_STEP)
    # another authenticator is not held back
    other = pyotp.random_base32()
    assert codes.code("acct", other) == pyotp.TOTP(other).at(1_001 * TOTP_STEP)
