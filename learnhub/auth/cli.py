"""``flask auth …``: invitations, API tokens, roles and the email outbox."""

from __future__ import annotations

import click

from learnhub.core.errors import DomainError
from learnhub.core.transactions import CommandGroup
from learnhub.extensions import db

auth_cli = CommandGroup("auth", help="Accounts: invitations, API tokens, roles, email outbox.")


def _employee(email: str):
    from learnhub.org.services import get_by_email

    employee = get_by_email(email)
    if employee is None:
        raise click.ClickException(f"No employee has the email {email}.")
    return employee


@auth_cli.command("invite")
@click.option("--all-new", is_flag=True, help="Everyone active without a password or live link.")
@click.argument("emails", nargs=-1)
def invite(all_new: bool, emails: tuple[str, ...]) -> None:
    """Email set-password invitations to EMAILS, or with --all-new to everyone who cannot sign
    in yet (active, no password, no unexpired invitation)."""
    from learnhub.auth.passwords import invite_many

    if all_new == bool(emails):
        raise click.UsageError("Give either --all-new or one or more emails.")
    ids = None if all_new else [_employee(e).id for e in emails]
    count = invite_many(ids)
    click.echo(f"Invited {count} people.")


@auth_cli.command("create-token")
@click.option("--name", required=True, help="What uses it, e.g. 'BI nightly export'.")
@click.option("--scopes", required=True, help="Comma-separated, e.g. exports:read,org:write.")
@click.option("--expires-days", type=int, default=90, show_default=True)
@click.option("--owner", "owner_email", help="Employee email: the token dies when they leave.")
def create_token(name: str, scopes: str, expires_days: int, owner_email: str | None) -> None:
    """Create an API token and print it once (it is stored hashed)."""
    from learnhub.auth.tokens import create_token as create

    owner = _employee(owner_email) if owner_email else None
    try:
        token, secret = create(name, scopes.split(","), expires_days, owner=owner)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Token {token.id} '{token.name}' ({', '.join(token.scopes)}), expires")
    click.echo(f"{token.expires_at:%Y-%m-%d %H:%M} UTC. Copy it now; it is not shown again:")
    click.echo(secret)


@auth_cli.command("list-tokens")
def list_tokens() -> None:
    """List API tokens (never their secrets)."""
    from learnhub.auth.tokens import list_tokens as tokens

    for token in tokens():
        state = "revoked" if token.revoked_at else f"expires {token.expires_at:%Y-%m-%d}"
        click.echo(f"{token.id}\t{token.prefix}…\t{token.name}\t{','.join(token.scopes)}\t{state}")


@auth_cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Revoke an API token by id."""
    from learnhub.auth.tokens import revoke_token as revoke

    try:
        revoke(token_id)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Token {token_id} revoked.")


@auth_cli.command("grant-role")
@click.argument("email")
@click.argument("role")
@click.option("--revoke", is_flag=True, help="Take the role away instead.")
def grant_role(email: str, role: str, revoke: bool) -> None:
    """Grant ROLE (hr, content_admin, platform_admin) to the person with EMAIL. Audited."""
    from learnhub.auth import permissions, services

    account = services.account_for(_employee(email))
    try:
        (services.revoke_role if revoke else services.grant_role)(account, role)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{email}: {', '.join(permissions.roles_of(account))}")


@auth_cli.command("outbox")
@click.option("--send", is_flag=True, help="Send the waiting emails now.")
def outbox(send: bool) -> None:
    """Show the emails waiting in the outbox (embedded mode without SMTP keeps them there)."""
    from learnhub.auth.tasks import send_outbox
    from learnhub.core.mail import pending_query

    if send:
        click.echo(f"Sent {send_outbox()} emails.")
        return
    for email in db.session.scalars(pending_query()):
        click.echo(f"--- {email.id} to {email.to_address}: {email.subject}")
        click.echo(email.body)
    waiting = len(db.session.scalars(pending_query()).all())
    click.echo(f"{waiting} emails waiting.")
