"""Error pages in Chinese, security headers, and logs that cannot be forged."""

import logging
import time

from flask import g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from intranet.htmx import is_htmx

log = logging.getLogger("intranet")

MESSAGES = {
    400: ("请求有误", "提交的内容无法处理，请返回重试。"),
    401: ("请先登录", "登录已过期，请重新登录。"),
    403: ("没有权限", "您的账号没有权限访问这个页面或执行这个操作。"),
    404: ("页面不存在", "您要找的页面不存在，可能已被删除，或链接有误。"),
    405: ("操作不被允许", "这个页面不支持这种操作。"),
    409: ("内容已被他人修改", "您编辑期间，别人已经修改了这条记录。"),
    413: ("文件太大", "上传的文件超过了大小限制（8 MB），请压缩后再试。"),
    422: ("内容有误", "请检查填写的内容。"),
    429: ("尝试次数过多", "操作太频繁了，请稍等一分钟再试。"),
    500: ("系统出错了", "服务器遇到了问题，已经记录下来。请稍后再试，或联系管理员。"),
    503: ("服务器正忙", "服务器正忙，请稍后再试。"),
}
CSRF_MESSAGE = "页面已过期（安全校验未通过），请刷新页面后重试。您填写的内容请先复制保存。"

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def error_response(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    text = message or default
    if is_htmx():
        # An htmx error must not land inside a table cell: show it in the message area.
        body = render_template("_messages.html", messages=[("error", text)])
        return body, status, {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}
    return render_template("errors/error.html", status=status, title=title, message=text), status


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        log.warning("csrf failed path=%s reason=%s", request.path, error.description)
        return error_response(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        if isinstance(error, SecurityError):
            # An untrusted Host header: building any URL would fail again, so answer plainly.
            return "请求的主机名不被信任。", 400, {"Content-Type": "text/plain; charset=utf-8"}
        # A route's own Chinese message, or a rate limit's (Flask-Limiter's error_message)
        limit = getattr(error, "limit", None)
        chinese = getattr(error, "chinese", None) or getattr(limit, "error_message", None)
        response = error_response(error.code, chinese)
        if error.code == 405 and getattr(error, "valid_methods", None):
            return *response, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def unexpected(error):
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("unhandled error on %s", request.path)
        return error_response(500)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        # Not no-referrer: Flask-WTF checks a same-origin Referer on HTTPS.
        headers["Referrer-Policy"] = "same-origin"
        headers.add("Vary", "HX-Request")
        # Only a request that loaded its user can hold that user's data: /healthz and other
        # public routes that never ask who is there do not pay for loading the session's user.
        user = g.get("_login_user")
        if user is not None and user.is_authenticated and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        if app.config["HTTPS"] and request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response


class SingleLineFormatter(logging.Formatter):
    """User text with line breaks cannot forge a log line (ASVS 16.4.1)."""

    def format(self, record):
        text = super().format(record)
        head, sep, tail = text.partition("\nTraceback")
        head = head.replace("\r", "\\r").replace("\n", "\\n")
        return head + sep + tail


def log_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    formatter = SingleLineFormatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s")
    formatter.converter = time.gmtime  # UTC timestamps (ASVS 16.2.2)
    handler.setFormatter(formatter)
    return handler


def configure_logging(app):
    logger = logging.getLogger("intranet")
    logger.setLevel(logging.INFO)
    if app.testing or logger.handlers:
        return
    logger.addHandler(log_handler())
