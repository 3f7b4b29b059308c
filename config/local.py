"""What a checkout keeps for itself when it runs without production settings."""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def local_secret_key(local_dir: Path) -> str:
    """A random key generated once per checkout and kept in its ignored .local folder.

    The web server, the worker and beat start at the same moment: the key is written to a temporary
    file and linked into place, which fails for all but the first, so every process reads one key.
    """
    key_file = local_dir / "secret_key"
    if not key_file.exists():
        local_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=local_dir)
        try:
            with os.fdopen(fd, "w") as tmp:
                tmp.write(secrets.token_urlsafe(50))
            os.chmod(tmp_name, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp_name, key_file)
        finally:
            os.unlink(tmp_name)
    return key_file.read_text().strip()


def filesystem_broker_options(folder: Path) -> dict[str, object]:
    """Options of kombu's file-system transport for a broker kept in `folder`.

    kombu creates none of these folders (the first publish fails on a missing one), and without a
    `control_folder` it writes its exchange tables to ./control in whatever directory a process
    was started from.
    """
    queue, processed, control = folder / "queue", folder / "processed", folder / "control"
    for path in (queue, processed, control):
        path.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(processed),
        "control_folder": str(control),
        "store_processed": False,
    }
