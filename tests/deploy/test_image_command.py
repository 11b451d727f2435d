"""The verifier image's default command, run as the image runs it but without Docker: the
entrypoint's `mathreward serve` flags plus CMD, with torch and the other PRM/bench packages made
unimportable (the image installs none of them), on loopback ports. It must become SERVING and
exit 0 on SIGTERM (what Kubernetes sends; tini forwards it in the image).

    .venv/bin/pytest tests/deploy/test_image_command.py -q
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "deploy" / "tools")]

import check  # noqa: E402

from mathreward.loadtest.server_proc import free_port, wait_serving  # noqa: E402

# Not installed in the verifier image (pyproject base dependencies only).
ABSENT = ("torch", "transformers", "safetensors", "tokenizers", "math_verify", "locust", "trl")
LAUNCHER = (
    "import sys\n"
    f"for name in {ABSENT!r}: sys.modules[name] = None  # import raises ImportError\n"
    "from mathreward.cli import main\n"
    "sys.exit(main(['serve', *sys.argv[1:]]))\n"
)


def _with(args: list[str], flag: str, value: str) -> list[str]:
    i = args.index(flag)
    return [*args[:i + 1], value, *args[i + 2:]]


def test_verifier_image_command_serves_without_torch_and_stops_on_sigterm() -> None:
    args = check.dockerfile_cmd(ROOT / "deploy/docker/verifier.Dockerfile")
    assert args[0] == "--no-prm"
    port = free_port()
    args = _with(_with(_with(args, "--host", "127.0.0.1"), "--port", str(port)),
                 "--metrics-port", "-1")
    args = _with(args, "--workers", "1")
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_serving(f"127.0.0.1:{port}", timeout_s=60)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0, output[-2000:]
    assert "ModuleNotFoundError" not in output and "ImportError" not in output
