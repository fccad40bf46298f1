"""Commands for whoever runs the server: `flask --app wsgi <command>`."""

import sqlite3
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from intranet.extensions import db
from intranet.people.models import POLITICAL_STATUSES, ROLES, Staff

STATUS_BY_LABEL = {label: code for code, label in POLITICAL_STATUSES.items()}


def register(app):
    app.cli.add_command(create_user)
    app.cli.add_command(demo)
    app.cli.add_command(backup)
    app.cli.add_command(import_roster)
    app.cli.add_command(generate)


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--name", required=True, help="姓名")
@click.option("--role", type=click.Choice(list(ROLES)), default="teacher", show_default=True)
@click.option(
    "--political-status",
    type=click.Choice(list(STATUS_BY_LABEL)),
    default="群众",
    show_default=True,
    help="政治面貌 (Chinese name)",
)
@click.option("--password-stdin", is_flag=True, help="Read the user's chosen password from stdin.")
def create_user(username, name, role, political_status, password_stdin):
    """Create an account. Without --password-stdin a one-time password is printed."""
    from intranet.auth.passwords import hash_password, policy_error
    from intranet.people.services import create_staff, username_taken

    if username_taken(username):
        raise click.ClickException(f"工号 {username} 已存在。")
    values = {
        "username": username,
        "name": name,
        "role": role,
        "political_status": STATUS_BY_LABEL[political_status],
    }
    staff, one_time = create_staff(values)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if error := policy_error(password, username):
            raise click.ClickException(error)
        staff.password_hash = hash_password(password)
        staff.must_change_password = False
    db.session.commit()
    click.echo(f"已创建 {name}（{username}，{ROLES[role]}）。")
    if not password_stdin:
        click.echo(f"一次性密码：{one_time}  （首次登录后必须修改）")


@click.command("demo")
@with_appcontext
def demo():
    """Fill an empty database with the demo school. Does nothing when staff exist."""
    from intranet.demo import seed

    if db.session.scalar(select(Staff.id).limit(1)) is not None:
        click.echo("数据库里已有数据，未导入演示数据。")
        return
    logins = seed()
    click.echo("已导入演示学校（六合区实验小学）。以下账号仅供试用：")
    for role_label, username, name in logins["accounts"]:
        click.echo(f"  {role_label:<8} 工号 {username:<8} {name}")
    click.echo(f"  演示账号的密码都是：{logins['password']}  （只显示这一次，请记下）")
    click.echo("正式使用前，请用 admin 登录，点页面顶部“演示数据”横幅里的“清除演示数据”。")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(path_type=Path))
def backup(path):
    """Online, verified copy of the database and the uploads into folder PATH."""
    from intranet.backup import make_backup

    try:
        target = make_backup(path)
    except (RuntimeError, sqlite3.Error, OSError) as error:
        raise click.ClickException(f"备份失败：{error}") from error
    click.echo(f"备份完成并已校验：{target}")


@click.command("import-roster")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows even when some are bad.")
def import_roster(file, skip_bad):
    """Import staff from a .xlsx or .csv roster: new 工号 become accounts, known ones are
    updated where the sheet differs; nothing is imported while rows are bad."""
    from intranet.people import roster

    try:
        rows = roster.validate_roster(roster.read_roster(file.name, file.read_bytes()))
    except roster.RosterError as error:
        raise click.ClickException(str(error)) from error
    bad = [row for row in rows if row.errors]
    for row in bad:
        click.echo(f"第 {row.line} 行：{'；'.join(row.errors)}", err=True)
    if bad and not skip_bad:
        raise click.ClickException(
            f"{len(bad)} 行有误，未导入任何数据（加 --skip-bad 只导入正确的行）。"
        )
    done = roster.apply_roster(rows, by=None)
    db.session.commit()
    for staff, lines in done.updated:
        click.echo(f"已更新 {staff.username} {staff.name}：{'；'.join(lines)}")
    click.echo(f"已导入 {len(done.created)} 人。一次性密码（首次登录后必须修改）：")
    for staff, password in done.created:
        click.echo(f"  {staff.username}\t{staff.name}\t{password}")
    current_app.logger.info(
        "roster imported from cli created=%d updated=%d", len(done.created), len(done.updated)
    )


@click.command("generate")
@with_appcontext
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="N times the rows of ten years of a 600-staff school (a fraction for tests).",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password of admin, leader, manager and teacher from stdin.",
)
def generate(scale, password_stdin):
    """Fill an EMPTY instance with ten generated years of a school, for benchmarks."""
    import time

    from flask_migrate import upgrade

    from intranet.auth.passwords import policy_error
    from intranet.generate import NotEmpty
    from intranet.generate import generate as fill

    if not 0 < scale <= 100:
        raise click.ClickException("--scale 必须大于 0、不超过 100。")
    password = sys.stdin.readline().rstrip("\r\n")
    if error := policy_error(password):
        raise click.ClickException(error)
    started = time.perf_counter()
    upgrade()
    try:
        written = fill(scale, password)
    except NotEmpty:
        db.session.rollback()
        raise click.ClickException(
            "数据库里已有数据：generate 只能填充一个空的实例，请换一个空的 INTRANET_INSTANCE。"
        ) from None
    click.echo(
        "已生成："
        + "，".join(f"{name} {n}" for name, n in written.items())
        + f"（{time.perf_counter() - started:.1f} 秒）"
    )
    click.echo("可登录的账号：admin、leader、manager、teacher（密码为刚才输入的）。")
