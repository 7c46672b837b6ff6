"""uWSGI's request log in its default format (no ``--logformat``): what a Django or Flask
application behind nginx logs, as uWSGI's ``uwsgi_logit_simple`` writes it.

``[pid: %d|app: %d|req: %d/%llu] %(addr) (%(user)) {%d vars in %d bytes} [%(ctime)] METHOD
URI => generated %llu bytes in %llu msecs (PROTOCOL STATUS) %d headers in %llu bytes (%d
switches on core %d)``

- ``app`` is ``-1`` and ``req`` ``-1/N`` where no application took the request (static
  files); neither is read.
- The address is ``REMOTE_ADDR`` (empty for a UNIX socket without one); with
  ``--log-x-forwarded-for`` it is the X-Forwarded-For header as received, maybe a list
  (``203.0.113.7, 10.0.0.1``): the list is read as X-Forwarded-For and the client is its first
  public address, else its first (as ``--client-ip first-forwarded`` takes it).
- The time is ``ctime``'s (``Mon Nov  2 09:15:03 2026``, the day padded with a space) in the
  server's local time, with no zone: it is read as UTC, as HAProxy's is.
- ``--log-micros`` writes ``micros`` for ``msecs``; a response sent by sendfile, a route or
  an offload says so before the protocol (`` via sendfile() ``); ``--vhost`` writes the
  ``Host`` header first (read as the host, without its port); ``--memory-report`` writes
  ``{address space usage: …} {rss usage: …}`` before the record. Releases before 1.9 wrote
  ``async switches on async core`` or no switches at all.

There is no referrer and no user agent: visitors are told apart by their address alone. The
bytes are the body's (``generated``), not the headers'. A request too large to log is written
with ``- -`` for its method and URI: it is malformed, as any line without a request.

uWSGI's own messages in the same file (``--logto``, ``--daemonize``, a container's output) are
records that are no request (``uwsgi_message``): the start-up banner (``*** Starting uWSGI
2.0.23 (64bit) on [Mon Nov  2 09:15:00 2026] ***``, ``detected binary path: …``, ``spawned
uWSGI worker 1 (pid: 7, cores: 1)``), a worker respawned, a harakiri, the shutdown
(``SIGINT/SIGTERM received...killing workers...``, ``goodbye to uWSGI.``), and any line after
uWSGI's ``ctime`` and `` - `` (``uwsgi_log_verbose``) but a request's. Only their exact shapes:
the application's own output in the file (a Python traceback, Django's log lines) stays
malformed. They recognise no format: a file of them alone is no request log.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from micromacro.logformats.base import RegexFormat
from micromacro.logformats.families import COMMENT_LINE, Family, NotHttp
from micromacro.logformats.fields import TimeSpec, first_forwarded_ip
from micromacro.logformats.patterns import BRACKETED, group

# ctime's ``Www Mmm dd hh:mm:ss yyyy``, the day padded with a space: Polars' %e takes it.
CTIME = TimeSpec("strftime", "%a %b %e %H:%M:%S %Y")

# ``--vhost``'s Host header (without its port) and ``--memory-report``'s usage, before the record.
_HOST_NAME = r"[^ :{}\[]+"
_VHOST = f"(?:{group('host', _HOST_NAME)}(?::[0-9]+)? )?"
_MEMORY = r"(?:\{address space usage: [^}]*\} (?:\{rss usage: [^}]*\} )?)?"
_COUNTERS = r"\[pid: [0-9]+\|app: -?[0-9]+\|req: -?[0-9]+/[0-9]+\] "
# %(addr) (%(user)): the address may be a list (--log-x-forwarded-for), or empty.
_CLIENT = f"(?:{group('ip', '[^()]*?')} )?\\([^)]*\\) "
_VARS = r"\{[0-9]+ vars in [0-9]+ bytes\} "
_TIME = f"\\[{group('time', BRACKETED)}\\] "
# METHOD URI: the URI as received, up to the arrow.
_REQUEST = f"{group('method', '[^ ]+')} {group('uri', '.*?')} => "
_RESPONSE = (
    f"generated {group('bytes', '[0-9]+')} bytes in [0-9]+ (?:msecs|micros)"
    r"(?: via [a-z]+\(\))? \((?:[^ ()]+ )?"
    f"{group('status', '[0-9]+')}\\) "
)
_HEADERS = (
    r"[0-9]+ headers in [0-9]+ bytes(?: \([0-9]+ (?:async )?switches on (?:async )?core [0-9]+\))?"
)
_END = r"\s*$"


@dataclass(frozen=True)
class UwsgiFormat(RegexFormat):
    """A regex format whose client field may be an X-Forwarded-For list (uWSGI's
    ``--log-x-forwarded-for``): such a list is the line's X-Forwarded-For, and its client the
    list's first public address, else its first."""

    def parse(self, lines: pl.LazyFrame) -> pl.LazyFrame:
        listed = pl.col("ip").str.contains(",", literal=True).fill_null(False)
        return (
            super()
            .parse(lines)
            .with_columns(
                forwarded_for=pl.when(listed).then(pl.col("ip")).otherwise(pl.col("forwarded_for")),
                ip=pl.when(~listed).then(pl.col("ip")),
            )
            .with_columns(first_forwarded_ip())
        )


UWSGI = UwsgiFormat(
    name="uwsgi",
    regex=f"^{_VHOST}{_MEMORY}{_COUNTERS}{_CLIENT}{_VARS}{_TIME}{_REQUEST}{_RESPONSE}"
    f"{_HEADERS}{_END}",
    time=CTIME,
    example=(
        "[pid: 1234|app: 0|req: 1/1] 203.0.113.7 () {34 vars in 512 bytes} "
        "[Mon Nov  2 09:15:03 2026] GET /products/tent?ref=nl => generated 5123 bytes in 2 "
        "msecs (HTTP/1.1 200) 2 headers in 79 bytes (1 switches on core 0)"
    ),
    description="uWSGI's default request log (Django, Flask); no referrer or user agent; "
    "its ctime times have no zone and are read as UTC",
)

# uWSGI's own messages, as its core and Python plugin write them (``uwsgi_log``): the start-up
# banner and its lines, the processes spawned, respawned, killed and buried, the shutdown. Each
# is matched from the start of the line, to its end where the message has one.
_EOL = r"\s*$"
_PID = r"\(pid: [0-9]+\)"
_BANNER = (
    r"\*\*\* Starting uWSGI [^ ]+ (?:\(CGI mode\) )?\([0-9]+bit\) on \[[^\]]+\] \*\*\*" + _EOL,
    r"compiled with version: ",
    r"os: [A-Za-z]+-",
    r"nodename: ",
    r"machine: [^ ]+" + _EOL,
    r"clock source: [a-z_]+" + _EOL,
    r"pcre jit (?:en|dis)abled" + _EOL,
    r"detected number of CPU cores: [0-9]+" + _EOL,
    r"current working directory: ",
    r"detected binary path: ",
    r"writing pidfile to ",
    r"detected max file descriptor number: [0-9]+" + _EOL,
    r"lock engine: ",
    r"thunder lock: ",
    r"your (?:memory page size is [0-9]+ bytes|processes number limit is [0-9]+"
    r"|server socket listen backlog is limited to [0-9]+ connections"
    r"|mercy for graceful operations on workers is [0-9]+ seconds)" + _EOL,
    r"uwsgi (?:shared )?socket [0-9]+ bound to (?:TCP|UNIX|UDP) address ",
    r"uWSGI http bound on ",
    r"\[uWSGI\] getting (?:INI|YAML|JSON|XML) configuration from ",
    r"uWSGI running as root, you can use --uid/--gid/--chroot options" + _EOL,
    r"\*\*\* WARNING: you are running uWSGI ",
    r"!!! no internal routing support, rebuild with pcre support !!!" + _EOL,
    r"set(?:u|g)id\(\) to [0-9]+" + _EOL,
    r"chdir\(\) to ",
    r"Python version: [0-9]",
    r"Python main interpreter initialized at 0x[0-9a-f]+" + _EOL,
    r"python threads support enabled" + _EOL,
    r"\*+ Python threads support is disabled\. You can enable it with --enable-threads \*+" + _EOL,
    r"mapped [0-9]+ bytes \([0-9]+ KB\) for [0-9]+ cores" + _EOL,
    r"\*+ Operational MODE: [a-z+-]+ \*+" + _EOL,
    r"WSGI app [0-9]+ \(mountpoint='[^']*'\) ready in [0-9]+ seconds on interpreter 0x[0-9a-f]+ "
    r"pid: [0-9]+",
    r"unable to load app [0-9]+ \(mountpoint='[^']*'\) ",
    r"\*\*\* no app loaded\. going in full dynamic mode \*\*\*" + _EOL,
    r"--- no python application found, check your startup logs for errors ---" + _EOL,
    r"\*+ uWSGI is running in multiple interpreter mode \*+" + _EOL,
    r"\*\*\* Stats server enabled on [^ ]+ fd: [0-9]+ \*\*\*" + _EOL,
    r"\*\*\* has_emperor mode detected \(fd: [0-9]+\) \*\*\*" + _EOL,
    r"announcing my loyalty to the Emperor\.\.\." + _EOL,
    r"unable to load configuration from ",
)
_PROCESSES = (
    rf"(?:gracefully \(RE\))?spawned uWSGI master process {_PID}" + _EOL,
    r"spawned uWSGI worker [0-9]+ (?:\(and the only\) )?\(pid: [0-9]+, cores: [0-9]+\)" + _EOL,
    rf"spawned uWSGI (?:http|https|fastrouter|mule) [0-9]+ {_PID}" + _EOL,
    r"spawned [0-9]+ offload threads for uWSGI worker [0-9]+" + _EOL,
    r"Respawned uWSGI worker [0-9]+ \(new pid: [0-9]+\)" + _EOL,
    r"\*\*\* HARAKIRI ON WORKER [0-9]+ \(pid: [0-9]+(?:, try: [0-9]+)?(?:, graceful: [a-z]+)?\) "
    r"\*\*\*" + _EOL,
    r"DAMN ! worker [0-9]+ \(pid: [0-9]+\) died",
    r"worker [0-9]+ (?:buried after [0-9]+ seconds|killed successfully \(pid: [0-9]+\))" + _EOL,
    r"Gracefully killing worker [0-9]+ \(pid: [0-9]+\)\.\.\." + _EOL,
    rf'gateway "[^"]+" has been buried {_PID}' + _EOL,
    r"\.\.\.The work of process [0-9]+ is done\. Seeya!" + _EOL,
)
_SHUTDOWN = (
    r"SIGINT/SIG(?:QUIT|TERM) received\.\.\.killing workers\.\.\." + _EOL,
    r"\.\.\.(?:brutally|gracefully) killing workers\.\.\." + _EOL,
    r"binary reloading uWSGI\.\.\." + _EOL,
    r"goodbye to uWSGI\." + _EOL,
    r"VACUUM: ",
)
# ``uwsgi_log_verbose`` (a harakiri, a broken pipe, a full listen queue) and ``--log-date``
# write ``ctime`` and " - " before the message.
_VERBOSE = r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4} - "
UWSGI_MESSAGE = NotHttp(
    "uwsgi_message",
    "^(?:" + "|".join((*_BANNER, *_PROCESSES, *_SHUTDOWN, _VERBOSE)) + ")",
    # A request record after a --log-date time is a request this reader does not read.
    unless=_COUNTERS,
    recognises=False,
)

UWSGI_FAMILY = Family(
    "uwsgi",
    (UWSGI,),
    not_http=(UWSGI_MESSAGE,),
    description=UWSGI.description,
    # A request record, or one of uWSGI's own messages (which recognise no format: a sample of
    # nothing else is read with the family, and no line of it is unread).
    claims=rf"{COMMENT_LINE}|\[pid: [0-9]+\|app: |{UWSGI_MESSAGE.regex}",
)
