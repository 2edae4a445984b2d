"""The test session's loopback guard: nothing a test does reaches beyond this machine."""

import socket
import subprocess
import sys

import pytest

from tests import loopback
from tests.conftest import GUARDED_PATH, ROOT


@pytest.fixture
def forgiven():
    """Takes back the violations this test makes on purpose (returning them), so only its own asserts decide it."""
    start = len(loopback.violations)

    def take() -> list[str]:
        made = loopback.violations[start:]
        del loopback.violations[start:]
        return made

    return take


@pytest.mark.parametrize("address", [("192.0.2.1", 80), ("2001:db8::1", 443), ("10.0.0.1", 5432)])
def test_a_connect_beyond_loopback_is_refused_before_any_packet(forgiven, address):
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(loopback.OffLoopback):
        sock.connect(address)
    assert forgiven() == [
        f"the loopback guard refused a connection to {address[0]!r} port {address[1]}: "
        "tests may only reach 127.0.0.0/8, ::1 and 'localhost'"
    ]


@pytest.mark.parametrize("name", ["example.com", "api.telegram.org", "pypi.org."])
def test_a_dns_look_up_of_any_name_but_localhost_is_refused(forgiven, name):
    with pytest.raises(loopback.OffLoopback):
        socket.getaddrinfo(name, 443)
    assert len(forgiven()) == 1


def test_loopback_itself_is_allowed():
    with (
        socket.create_server(("127.0.0.1", 0)) as server,
        socket.create_connection(("localhost", server.getsockname()[1]), timeout=2),
    ):
        pass


def test_a_swallowed_refusal_still_fails_the_test(pytester):
    pytester.makeconftest(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from tests.conftest import pytest_configure, pytest_runtest_call, pytest_runtest_setup  # noqa"
    )
    pytester.makepyfile("""
        import socket

        def test_quietly_online():
            try:
                socket.create_connection(("198.51.100.7", 80), timeout=1)
            except OSError:
                pass
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the loopback guard refused a connection to '198.51.100.7' port 80*"])


def test_processes_the_tests_start_are_guarded_too():
    code = (
        "import socket\ntry:\n    socket.getaddrinfo('example.org', 80)\n"
        "except OSError as e:\n    print(type(e).__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env={"PYTHONPATH": GUARDED_PATH}, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "OffLoopback" and "loopback guard refused a DNS look-up" in result.stderr
