"""Type stubs of redflag's native module (the Rust core). Use the wrappers in
``redflag`` (``Model``, ``train``, ``evaluate``), which also accept NumPy arrays and
pandas Series."""

from os import PathLike
from typing import Any, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt

__version__: str
MAX_TEXT_BYTES: int

# A list of str (or UTF-8 bytes), an Arrow string array, or a list of Arrow string arrays.
_Texts = Any

class RedflagError(Exception): ...
class ModelFileError(RedflagError): ...
class ConfigError(RedflagError): ...
class DataError(RedflagError): ...

class Model:
    @staticmethod
    def default() -> Model: ...
    @staticmethod
    def load(path: Union[str, PathLike[str]]) -> Model: ...
    @staticmethod
    def from_bytes(data: bytes) -> Model: ...
    def to_bytes(self) -> bytes: ...
    def save(self, path: Union[str, PathLike[str]]) -> None: ...
    @property
    def classes(self) -> list[str]: ...
    @property
    def thresholds(self) -> dict[str, float]: ...
    def with_thresholds(self, thresholds: dict[str, float]) -> Model: ...
    def card(self) -> dict[str, Any]: ...
    def score(
        self,
        texts: _Texts,
        reasons: bool = True,
        ids: Optional[Sequence[Union[int, str]]] = None,
        threads: Optional[int] = None,
    ) -> list[dict[str, Any]]: ...
    def predict_proba(
        self, texts: _Texts, threads: Optional[int] = None
    ) -> npt.NDArray[np.float64]: ...
    def predict(self, texts: _Texts, threads: Optional[int] = None) -> list[str]: ...
    def review(self, texts: _Texts, threads: Optional[int] = None) -> npt.NDArray[np.bool_]: ...
    def explain(self, text: Union[str, bytes]) -> dict[str, Any]: ...

def train(
    texts: _Texts,
    labels: _Texts,
    *,
    config_toml: Optional[str] = None,
    config_json: Optional[str] = None,
    description: Optional[str] = None,
    validation_texts: Optional[_Texts] = None,
    validation_labels: Optional[_Texts] = None,
    data_name: str = "<texts>",
    validation_name: str = "<validation texts>",
    threads: Optional[int] = None,
) -> Model: ...
def evaluate(
    model: Model,
    texts: _Texts,
    labels: _Texts,
    *,
    resamples: int = 1000,
    seed: int = 0x5EED,
    data_name: str = "<texts>",
    slices: Optional[_Texts] = None,
    writers: Optional[_Texts] = None,
    threads: Optional[int] = None,
) -> str: ...
def jsonl(texts: _Texts, labels: _Texts) -> bytes: ...
