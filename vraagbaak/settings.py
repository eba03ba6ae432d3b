"""All configuration in one place; every field can be set as ``VRAAGBAAK_<NAME>``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VRAAGBAAK_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(Path("corpus"), description="Folder with the documents to ingest")
    data_dir: Path = Field(Path(".vraagbaak"), description="Index, caches and databases")
    index_path: Path | None = Field(
        None,
        validation_alias=AliasChoices("VRAAGBAAK_INDEX_DIR", "index_path"),
        description="Where index builds are published (default <data dir>/index); replicas "
        "share one, e.g. an NFS mount or a volume, and follow its `current` pointer",
    )
    database_url: str | None = Field(
        None,
        description="postgresql://user:password@host/db: FAQ sets, keys, feedback, question "
        "log and eval runs live there, shared by replicas; unset: SQLite in the data dir",
    )
    embedder: str = Field(
        "e5-small-q4",
        description="'e5-small-q4' (bundled) or 'sentence-transformers:<name or path>'",
    )
    e5_engine: str = Field(
        "auto",
        description="Engine of the bundled model: 'auto' (the fastest on this CPU, probed once "
        "per data dir) or one name `vraagbaak doctor` lists. Faithful engines agree to cosine "
        "0.999, yet a gold-set figure can move by a question: pin one to compare runs",
    )

    # Answering
    refusal_threshold: float | None = Field(
        None, description="Override the calibrated evidence threshold below which we refuse"
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1"
    )
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_seconds: float = 30.0

    # Service
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Web sites whose pages may embed the widget, comma-separated "
        "(e.g. https://intranet.example.nl,http://localhost:8080)",
    )
    max_body_bytes: int = 64_000
    max_upload_bytes: int = Field(
        50_000_000, description="Largest document the /documents page accepts, in bytes"
    )

    # Access control and limits
    require_api_keys: bool = Field(False, description="Every API call needs a Bearer key")
    rate_limit_per_minute: int = Field(120, description="Requests per minute per client and key")
    rate_limit_burst: int = 30
    api_docs: bool | None = Field(
        None,
        description="Serve /docs and /openapi.json; unset: on, except when keys are required",
    )
    content_security_policy: str | None = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    )

    # Privacy: what is stored, for how long (personal data is redacted before storing)
    store_feedback: bool = True
    store_questions: bool = False
    retention_days: int = Field(
        90, ge=0, description="Days to keep stored feedback and questions; 0 stores nothing"
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @property
    def api_docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else not self.require_api_keys

    @property
    def index_dir(self) -> Path:
        return self.index_path or self.data_dir / "index"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def database_path(self) -> Path:
        return self.data_dir / "vraagbaak.sqlite"

    @property
    def database(self) -> Path | str:
        """Where the stores keep their rows: the Postgres URL, else the SQLite file."""
        return self.database_url or self.database_path
