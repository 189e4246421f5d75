"""/v1/accounts: carrier portal accounts, without any username or secret."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import ApiActor, SessionDep
from api.errors import NOT_FOUND
from api.schemas import AccountId, AccountPublic
from api.services import NotFoundError, clear_account_flag
from api.views import account_public
from storage import repo

router = APIRouter(prefix="/accounts", tags=["accounts"])


@router.get("", response_model=list[AccountPublic])
def list_accounts(session: SessionDep,
                  carrier: Annotated[str | None, Query(max_length=40)] = None
                  ) -> list[AccountPublic]:
    return [account_public(a) for a in repo.list_accounts(session=session, carrier=carrier)]


@router.post("/{account_id}/clear-flag", response_model=AccountPublic, responses=NOT_FOUND)
def clear_flag(account_id: AccountId, session: SessionDep, actor: ApiActor) -> AccountPublic:
    """Put a flagged account back in use, once a person fixed what flagged it."""
    try:
        clear_account_flag(session=session, account_id=account_id, actor=actor)
    except NotFoundError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such account") from None
    account = repo.get_account(session=session, account_id=account_id)
    assert account is not None
    return account_public(account)
