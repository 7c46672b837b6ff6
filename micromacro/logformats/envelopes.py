"""Envelopes: what a log line is wrapped in when the server's log reaches its file through
another program, and how to take the server's line out of it.

An access log sent to syslog (nginx's ``access_log syslog:server=…``, Apache piping to
``logger``) is written by the syslog daemon with a header before each line; a container's
output gathered by Docker, Kubernetes or Compose carries a time stamp, a stream or the
container's name first, or is a JSON record holding the line. The server's line inside is a
line of a format micromacro reads (``combined``, a JSON log, …): a run reads the line inside
the envelope with that format, and quotes the whole line in its messages.

- ``syslog``: a BSD header (``Dec  6 15:10:01 web1 nginx: ``, maybe with a priority
  ``<190>``, a process id ``nginx[123]`` or fractions of a second, as journalctl's ``short``
  and ``short-precise`` write it), an ISO 8601 one (``2026-12-06T15:10:01+01:00 web1 nginx:
  ``, rsyslog's file format and journalctl's ``short-iso``), an RFC 5424 one (``<190>1
  2026-12-06T15:10:01Z web1 nginx - - - ``), or journalctl's other times (``short-full``,
  ``short-unix``, ``short-monotonic``).
- ``container``: what ``docker logs`` and ``kubectl logs`` put before a line: Compose's
  service name (``web-1  | ``), kubectl's ``--prefix`` (``[pod/web-5d9c/nginx] ``), the time
  of ``--timestamps`` (``2026-12-06T15:10:01.123456789Z ``), and the stream and tag of a
  container runtime's log file (CRI: ``2026-12-06T15:10:01.123456789Z stdout F ``); stern's
  pod and container (``web-5d9c nginx ``), ``podman logs``' container id of each line when it
  shows several containers (``3f2a9c1b5d7e ``), or its name before a time.
- ``docker``: JSON records holding the line as ``log``, one a line: Docker's ``json-file``
  log (``{"log":"203.0.113.7 - - [...] ...\\n","stream":"stdout","time":"..."}``), Fluent
  Bit's and Fluentd's records of a container's output.
- ``message``: JSON records holding it as ``message`` (Filebeat, Logstash, Vector, an
  Elasticsearch export's ``_source``) or ``MESSAGE`` (``journalctl -o json``).
- ``loki``: what Grafana Loki's ``logcli query`` prints by default: a time and the stream's
  labels (``2026-12-06T14:10:01Z {job="nginx"} ``); ``loki_jsonl``: its ``--output=jsonl``,
  JSON records holding the line as ``line``.
- ``fluentd``: Fluentd's ``out_file`` (its default format): a time, the event's tag and its
  record, separated by tabs; the record holds the line as ``log`` (``in_tail`` of Docker's or
  a runtime's log files) or ``message`` (``in_tail`` with ``@type none``).
- ``fluentbit``: Fluent Bit's ``file`` output (its default ``out_file`` format): the tag, then
  the time and the record in brackets (``tail.0: [1796566201.123456789, {"log":"…"}]``); the
  record holds the line as ``log`` (``tail``'s key, its ``docker`` and ``cri`` multiline
  parsers') or ``message`` (the ``cri`` parser of its parsers file).

The envelope's own time is not read: the server's line has its own, in the server's zone.
A line without the envelope is read as it is (a file may hold both).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

# A syslog header's time: BSD (``Dec  6 15:10:01``, the day padded with a space or a zero,
# maybe with fractions of a second) or ISO 8601 with an offset; or as journalctl writes it in
# its other formats: ``short-full`` (``Sun 2026-12-06 10:00:00 CET``, ``with-unit`` too),
# ``short-unix`` (seconds since 1970) and ``short-monotonic`` (``[ 1234.567890]``).
_BSD_TIME = r"[A-Z][a-z]{2} [ 0-3]?[0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
ISO_TIME = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})"
)
_JOURNAL_TIME = (
    r"[A-Z][a-z]{2} [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)? [^ ]+"
    r"|[0-9]{9,10}\.[0-9]+|\[ *[0-9]+\.[0-9]+\]"
)
# A program's tag and process id, then ``:`` and the space rsyslog keeps from the message
# (one more where the sender wrote one). A tag holds no quote or brace, which a JSON line
# after a header without a host name starts with.
_TAG = r'[^ :\[\]{}"]+(?:\[[0-9]+\])?: {1,2}'
_BSD_OR_ISO = rf"(?:<[0-9]{{1,3}}>)?(?:{_BSD_TIME}|{ISO_TIME}|{_JOURNAL_TIME}) (?:[^ ]+ )?{_TAG}"
# RFC 5424: <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA, then a
# byte-order mark the message may start with, or the space a BSD sender's message starts with
# (rsyslog's RSYSLOG_SyslogProtocol23Format writes it).
_SD_ELEMENT = r'\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\]'
_RFC5424 = (
    rf"<[0-9]{{1,3}}>[0-9]{{1,2}} (?:{ISO_TIME}|-) [^ ]+ [^ ]+ [^ ]+ [^ ]+ "
    rf"(?:-|(?:{_SD_ELEMENT})+)(?: {{0,2}}\ufeff| {{0,2}})"
)
SYSLOG_HEADER = rf"(?:{_RFC5424}|{_BSD_OR_ISO})"

# What container tools put before a line: Compose's service name, kubectl's ``--prefix``,
# podman's container id (its first 12 hex digits, where it shows several containers) or
# stern's pod and container (Kubernetes names: lower case, a pod's with dots), then the time of
# ``--timestamps`` and, in a container runtime's log file, the stream and whether the line is
# whole (F) or a part (P). A container's name alone (``podman logs --names``) is a virtual
# host's look: it is read only before a time.
# The tools write their times with fractions of a second (nanoseconds, trailing zeros dropped),
# which tells them from a server's own ISO 8601 time starting its line (nginx's
# ``$time_iso8601`` has none).
_RFC3339 = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_SOURCE = (
    r"(?:\[pod/[^\] ]+\] |[A-Za-z0-9][A-Za-z0-9_.@-]* +\| |[0-9a-f]{12} "
    r"|[a-z0-9][-a-z0-9.]* [a-z0-9][-a-z0-9]* )"
)
_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]* "
_STAMP = rf"{_RFC3339} (?:(?:stdout|stderr) [FP] )?"
CONTAINER_PREFIX = rf"(?:{_SOURCE}{_STAMP}|{_SOURCE}|{_NAME}{_STAMP}|{_STAMP})"

# What ``logcli query`` prints before a line: the entry's time (Go's RFC 3339, whole seconds,
# ``Z`` or the offset of ``--timezone Local``), then the stream's labels as a label set (its
# values quoted as Go quotes them: ``{filename="/var/log/nginx/access.log", job="nginx"}``,
# ``{}`` where every label is common to the streams), padded with spaces to the longest one.
_LABEL_SET = r'\{(?:[A-Za-z_][A-Za-z0-9_]*="(?:[^"\\]|\\.)*"(?:, )?)*\}'
LOKI_PREFIX = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2}) "
    rf"{_LABEL_SET} +"
)

# What Fluentd's ``out_file`` writes before an event's record: its time (ISO 8601 with an
# offset; Fluentd 0.12's had none) and its tag, each followed by a tab.
FLUENTD_PREFIX = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?\t[^\t]+\t"
)


# What Fluent Bit's ``file`` output writes before an event's record: its tag, a colon, then in
# brackets its time (seconds since 1970 with nanoseconds; microseconds before 2.0) and a comma.
FLUENT_BIT_PREFIX = r'[^ \t\[\]{}"]+: \[[0-9]+(?:\.[0-9]+)?, '


# A JSON record with a string value of one of these keys (``"log":"``, not Filebeat's
# ``"log":{``), after a ``prefix`` where one comes first.
def _string_value_of(keys: tuple[str, ...], prefix: str = "") -> str:
    names = "|".join(key.rsplit(".", 1)[-1] for key in keys)
    return rf'^{prefix}\{{.*"(?:{names})":\s*"'


def _string_member(record: pl.Expr, key: str) -> pl.Expr:
    """The string value of ``key`` (dotted for a nested one) in each JSON record: null where it
    holds an object or a list (Filebeat's ``"log":{"file":…}``), which ``json_path_match``
    writes as JSON, as ``Envelope.unwrap`` reads none there either. A value written as JSON is
    a string only where the record writes the key with a string that opens as JSON does (a
    JSON log line's text: ``"log":"{\\"time\\":…``), not where another member of that name
    holds a plain string (``"labels":{"log":"on"}``)."""
    value = record.str.json_path_match(f"$.{key}")
    last = re.escape(key.rsplit(".", 1)[-1])
    text = record.str.contains(f'"{last}":\\s*"[\\[{{]')
    structure = value.str.contains(r"^[\[{]") & ~text
    return pl.when(~structure).then(value)


@dataclass(frozen=True)
class Envelope:
    """What a log's lines are wrapped in (see module): ``prefix``, a regex of what comes before
    the server's line, or ``keys``, the keys of a JSON record that may hold it (dotted for a
    nested one: ``_source.message``), the first that does; with both, the record follows the
    prefix (Fluentd's ``time<TAB>tag<TAB>{record}``), and ``suffix`` after it (Fluent Bit's
    ``tag: [time, {record}]``). And an example line."""

    name: str
    description: str
    example: str
    prefix: str | None = None
    keys: tuple[str, ...] = ()
    suffix: str = ""

    def around(self, name: str) -> str:
        """The name of the format ``name`` read in this envelope (``syslog:combined``)."""
        return f"{self.name}:{name}"

    def wraps(self) -> pl.Expr:
        """Whether each line of the ``line`` column is wrapped in this envelope."""
        line = pl.col("line")
        if self.keys:
            return line.str.contains(_string_value_of(self.keys, self.prefix or ""))
        return line.str.contains(f"^{self.prefix}")

    def contents(self) -> pl.Expr:
        """The server's line in each line of the ``line`` column (the line as it is where it has
        no envelope)."""
        line = pl.col("line")
        if not self.keys:
            return line.str.replace(f"^{self.prefix}", "")
        record = line if self.prefix is None else line.str.replace(f"^{self.prefix}", "")
        record = record.str.strip_suffix(self.suffix) if self.suffix else record
        values = [_string_member(record, key) for key in self.keys]
        inner = pl.coalesce(values).str.strip_suffix("\n").str.strip_suffix("\r")
        return pl.when(self.wraps()).then(pl.coalesce(inner, line)).otherwise(line)

    def unwrap(self, line: str) -> str:
        """The server's line in ``line``, as ``contents`` takes it out (``line`` when it has no
        envelope)."""
        if not self.keys:
            return re.sub(f"^{self.prefix}", "", line, count=1)
        if not re.match(_string_value_of(self.keys, self.prefix or ""), line):
            return line
        text = line if self.prefix is None else re.sub(f"^{self.prefix}", "", line, count=1)
        try:
            record = json.loads(text.removesuffix(self.suffix))
        except (ValueError, RecursionError):
            return line
        for key in self.keys:
            value = _value_at(record, key)
            # A value holding a lone surrogate is no line, as the whole-column JSON path reads
            # it: the record stays whole, and malformed.
            if isinstance(value, str) and not _has_surrogates(value):
                return value.removesuffix("\n").removesuffix("\r")
        return line


def _has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate a JSON escape wrote (``\\ud800``, no
    character), which no UTF-8 text holds."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _value_at(record: object, key: str) -> object:
    """The value of a dotted ``key`` in a decoded JSON ``record`` (None where it has none)."""
    for part in key.split("."):
        if not isinstance(record, dict):
            return None
        record = record.get(part)
    return record


SYSLOG = Envelope(
    name="syslog",
    description="a syslog header before each line (BSD, ISO 8601 or RFC 5424), as rsyslog, "
    "syslog-ng and journalctl write an access log sent to syslog",
    example="Dec  6 15:10:01 web1 nginx: 203.0.113.7 - - [06/Dec/2026:15:10:01 +0100] "
    '"GET / HTTP/1.1" 200 512 "-" "curl/8.5.0"',
    prefix=SYSLOG_HEADER,
)
CONTAINER = Envelope(
    name="container",
    description="what docker logs, docker compose logs, kubectl logs, stern and podman logs put "
    "before a line (a service name, a pod, a container id, a time stamp), and a container "
    "runtime's log file (time, stream, F or P)",
    example="2026-12-06T14:10:01.123456789Z stdout F 203.0.113.7 - - "
    '[06/Dec/2026:15:10:01 +0100] "GET / HTTP/1.1" 200 512 "-" "curl/8.5.0"',
    prefix=CONTAINER_PREFIX,
)
DOCKER = Envelope(
    name="docker",
    description="JSON records holding the line as \"log\": Docker's json-file log, Fluent Bit's "
    "and Fluentd's records of a container's output",
    example='{"log":"203.0.113.7 - - [06/Dec/2026:15:10:01 +0100] \\"GET / HTTP/1.1\\" 200 512 '
    '\\"-\\" \\"curl/8.5.0\\"\\n","stream":"stdout","time":"2026-12-06T14:10:01.123456789Z"}',
    keys=("log",),
)
MESSAGE = Envelope(
    name="message",
    description='JSON records holding the line as "message" (Filebeat, Logstash, Vector, an '
    'Elasticsearch export\'s "_source") or "MESSAGE" (journalctl -o json)',
    example='{"@timestamp":"2026-12-06T14:10:01.123Z","message":"203.0.113.7 - - '
    '[06/Dec/2026:15:10:01 +0100] \\"GET / HTTP/1.1\\" 200 512 \\"-\\" \\"curl/8.5.0\\""}',
    keys=("message", "MESSAGE", "_source.message"),
)
LOKI = Envelope(
    name="loki",
    description="what Grafana Loki's logcli query prints before a line: its time and the "
    "stream's labels",
    example='2026-12-06T14:10:01Z {filename="/var/log/nginx/access.log", job="nginx"} '
    '203.0.113.7 - - [06/Dec/2026:15:10:01 +0100] "GET / HTTP/1.1" 200 512 "-" "curl/8.5.0"',
    prefix=LOKI_PREFIX,
)
LOKI_JSONL = Envelope(
    name="loki_jsonl",
    description='JSON records holding the line as "line": logcli query --output=jsonl',
    example='{"labels":{"job":"nginx"},"line":"203.0.113.7 - - [06/Dec/2026:15:10:01 +0100] '
    '\\"GET / HTTP/1.1\\" 200 512 \\"-\\" \\"curl/8.5.0\\"","timestamp":'
    '"2026-12-06T14:10:01.123456789Z"}',
    keys=("line",),
)
FLUENTD = Envelope(
    name="fluentd",
    description="Fluentd's out_file: a time, a tag and a JSON record holding the line as "
    '"log" or "message", separated by tabs',
    example='2026-12-06T15:10:01+01:00\tdocker.nginx\t{"log":"203.0.113.7 - - '
    '[06/Dec/2026:15:10:01 +0100] \\"GET / HTTP/1.1\\" 200 512 \\"-\\" \\"curl/8.5.0\\"\\n",'
    '"stream":"stdout"}',
    prefix=FLUENTD_PREFIX,
    keys=("log", "message"),
)
FLUENT_BIT = Envelope(
    name="fluentbit",
    description="Fluent Bit's file output: a tag, then a time and a JSON record holding the "
    'line as "log" or "message", in brackets',
    example='tail.0: [1796566201.123456789, {"log":"203.0.113.7 - - [06/Dec/2026:15:10:01 '
    '+0100] \\"GET / HTTP/1.1\\" 200 512 \\"-\\" \\"curl/8.5.0\\""}]',
    prefix=FLUENT_BIT_PREFIX,
    keys=("log", "message"),
    suffix="]",
)
ENVELOPES: dict[str, Envelope] = {
    e.name: e for e in (SYSLOG, CONTAINER, DOCKER, MESSAGE, LOKI, LOKI_JSONL, FLUENTD, FLUENT_BIT)
}


def envelopes_of(lines: Sequence[str]) -> list[Envelope]:
    """The envelopes that wrap at least half of ``lines`` (blank lines left out), in the order
    of ``ENVELOPES``."""
    data = [line for line in lines if line.strip()]
    if not data:
        return []
    frame = pl.DataFrame({"line": pl.Series(data, dtype=pl.String)})
    found = frame.select(
        *(envelope.wraps().sum().alias(envelope.name) for envelope in ENVELOPES.values())
    ).row(0, named=True)
    return [ENVELOPES[name] for name, count in found.items() if 2 * count >= len(data)]
