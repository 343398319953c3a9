"""The answer cache on disk: a re-scan of unchanged files costs no request.

Key: the endpoint, the model, the prompt version and a hash of the exact request
(messages and response format, so the source, the static findings and the part of the
file are all in it): an answer from one endpoint is never served for another. Stored:
the model's answer text and its token usage, nothing else; the API key is never part
of a request body, so it cannot reach the cache. Only answers that
parsed are stored. A damaged entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hptlens.llm.prompt import PROMPT_VERSION

log = logging.getLogger(__name__)

CACHE_ENV = "HPTLENS_LLM_CACHE_DIR"
"""Environment variable naming the cache folder, instead of the default."""


def default_cache_dir() -> Path:
    """$HPTLENS_LLM_CACHE_DIR, else the user cache folder of the platform + hptlens/llm."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "hptlens" / "llm"


class CachedAnswer(BaseModel):
    model: str
    prompt_version: str
    content: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


def request_key(model: str, request: dict[str, Any], endpoint: str) -> str:
    body = json.dumps(request, sort_keys=True, ensure_ascii=False).encode("utf-8")
    material = json.dumps([endpoint.rstrip("/"), model, PROMPT_VERSION, hashlib.sha256(body).hexdigest()])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class AnswerCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._warned = False

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> CachedAnswer | None:
        path = self._path(key)
        try:
            return CachedAnswer.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, ValidationError) as exc:
            log.debug("ignoring damaged cache entry %s: %s", path, type(exc).__name__)
            return None

    def put(self, key: str, answer: CachedAnswer) -> None:
        """Write atomically (a crash leaves no half entry); a cache that cannot be written
        only costs the next run a request, and is reported once."""
        path = self._path(key)
        temporary: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(answer.model_dump_json())
            os.replace(temporary, path)
        except OSError as exc:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            if not self._warned:
                self._warned = True
                log.warning("cannot write the LLM cache in %s: %s", self.folder, exc.strerror or exc)
