"""Password policy and hashing (SECURITY.md B)."""

import secrets
import threading
from functools import cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_LIST_SIZE = 3000
# Common in Chinese leaks and absent from the English-leaning list.
EXTRA_COMMON = {
    "woaini1314",
    "woaini520",
    "a123456",
    "a12345678",
    "qq123456",
    "aa123456",
    "5201314",
    "1314520",
    "abc123456",
    "123456abc",
    "zxcvbnm",
    "asdfghjkl",
    "88888888",
    "66666666",
    "11111111",
    "00000000",
    "147258369",
    "123qwe",
}
# scrypt at 2^14 for one-time passwords: they are long random strings, so slowness buys nothing,
# and an admin importing a roster of sixty would otherwise wait half a minute.
ONE_TIME_METHOD = "scrypt:16384:8:1"
OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud in an office
OTP_LENGTH = 12

_hash_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_LIST_SIZE]) | EXTRA_COMMON


def policy_error(password: str, username: str = "") -> str | None:
    """The Chinese reason a new password is refused, or None. No composition rules (ASVS 6.2.5)."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符。"
    if len(password) > MAX_LENGTH:
        return f"密码不能超过 {MAX_LENGTH} 个字符。"
    if password.lower() in common_passwords():
        return "这个密码太常见，很容易被猜到，请换一个。"
    if username and password.lower() == username.lower():
        return "密码不能与工号相同。"
    return None


def _slots() -> threading.BoundedSemaphore:
    global _hash_slots
    with _slots_lock:
        if _hash_slots is None:
            _hash_slots = threading.BoundedSemaphore(current_app.config["LOGIN_HASH_CONCURRENCY"])
        return _hash_slots


def hash_password(password: str) -> str:
    with _slots():
        return generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])


def hash_one_time_password(password: str) -> str:
    return generate_password_hash(password, _one_time_method())


def _one_time_method() -> str:
    return current_app.config.get("ONE_TIME_HASH_METHOD", ONE_TIME_METHOD)


def check_password(stored: str | None, password: str) -> bool:
    """The same hashing work whatever the account (ASVS 6.3.8): one hash at the policy's cost and
    one at the one-time passwords' cost, for an unknown account, one still holding its one-time
    (or an old) hash, and a normal one alike, so timing tells nothing about it."""
    real = bool(stored) and not needs_rehash(stored)
    policy = stored if real else _dummy_hash()
    cheap = stored if stored and not real else _dummy_hash_for(_one_time_method())
    with _slots():
        matches_policy = check_password_hash(policy, password)
        matches_cheap = check_password_hash(cheap, password)
    return bool(stored) and (matches_policy if real else matches_cheap)


def needs_rehash(stored: str) -> bool:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    return not stored.startswith(method + "$")


@cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method)


def _dummy_hash() -> str:
    return _dummy_hash_for(current_app.config["PASSWORD_HASH_METHOD"])


def one_time_password() -> str:
    return "".join(secrets.choice(OTP_ALPHABET) for _ in range(OTP_LENGTH))
