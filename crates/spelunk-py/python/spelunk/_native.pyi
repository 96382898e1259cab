# Type stubs for the native module (crates/spelunk-py/src/lib.rs). Use the
# `spelunk` package's wrappers (`spelunk.run`, `spelunk.test`); these are
# their implementation.
from typing import Any, Dict, List, Optional, Tuple, Union

class SpelunkError(Exception):
    """Any spelunk error; str(e) is the diagnostic the CLI prints."""

    message: str
    """The error without its place."""
    kind: str
    """macro, syntax, unsupported_command, unknown_function, bad_argument,
    data_model, lookup, runtime, io, config, malformed_event or usage."""
    exit_code: int
    """The CLI's exit code for it (2 usage, 3 search, 4 runtime, 5 input)."""
    file: Optional[str]
    """The search's name (`<search>` or its file), or the file a
    configuration, event or I/O error names."""
    line: Optional[int]
    column: Optional[int]
    source_line: Optional[str]
    macro_chain: List[str]
    """Macros the position is inside, outermost first."""

class SearchError(SpelunkError): ...
class ExecutionError(SpelunkError): ...
class InputError(SpelunkError): ...
class ResourceError(SpelunkError): ...
class UsageError(SpelunkError): ...

def run(
    search: Optional[str],
    *,
    file: Optional[str],
    events: List[Union[str, bytes]],
    sourcetype: Optional[str],
    source: Optional[str],
    host: Optional[str],
    index: Optional[str],
    macros: List[str],
    lookups: List[str],
    props: List[str],
    apps: List[str],
    geoip: Optional[str],
    output_lookups: Optional[str],
    tz: str,
    strict: bool,
    threads: int,
    prefilter: bool,
    max_memory: str,
) -> Dict[str, Any]: ...
def test(
    paths: List[str],
    *,
    attack_data: Optional[str],
    macros: List[str],
    lookups: List[str],
    props: List[str],
    apps: List[str],
    geoip: Optional[str],
    filter: Optional[str],
    jobs: int,
    explain: bool,
    bless: bool,
) -> Tuple[str, str, str]: ...
