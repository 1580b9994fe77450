"""Type hints of lungfield's extension module (the Rust engine)."""

from os import PathLike
from typing import List, Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

_Path = Union[str, PathLike[str]]
_Image = Union[npt.NDArray[np.uint8], npt.NDArray[np.uint16]]

__version__: str

class LungfieldError(Exception):
    """An error from lungfield (bad input, a broken model file …), with the CLI's message."""

class Segmentation:
    """The lungs of one radiograph."""

    labels: npt.NDArray[np.uint8]
    """0 background, 1 right lung (image left), 2 left lung; the image's shape."""
    flags: List[str]
    """Flags for review (stable codes)."""
    from_image: Tuple[float, float]
    """The share of the right and left lung the image showed (the rest came from shape)."""
    zones_from_image: Tuple[Tuple[float, float, float], Tuple[float, float, float]]
    """The same per zone (upper, middle, lower), right lung then left."""
    @property
    def mask(self) -> npt.NDArray[np.uint8]:
        """The lung mask, 0/255 (what ``lungfield segment`` writes)."""

class Score:
    """One image's screening result."""

    score: Optional[float]
    """0–100 (None when a quality check refused the image)."""
    probability: Optional[float]
    label: str
    """``"tb"``, ``"normal"``, or ``""`` when refused."""
    flags: List[str]
    qc: List[str]
    """Quality-check codes, e.g. ``inverted``, ``not_frontal_chest``."""

class Model:
    """A trained TB model (``.lfm``)."""

    @staticmethod
    def load(path: _Path) -> Model: ...
    def save(self, path: _Path) -> None: ...
    def fit_site(self, paths: List[_Path]) -> None:
        """A harmonised model: fits the site's feature statistics on its images."""
    def score(self, image: _Image) -> Score: ...
    def score_files(self, paths: List[_Path]) -> List[Score]:
        """On all cores; a harmonised model without ``fit_site`` standardises on the batch."""
    @property
    def harmonised(self) -> bool: ...
    @property
    def threshold(self) -> float: ...
    @property
    def n_train(self) -> Tuple[int, int]: ...
    @property
    def has_heatmap(self) -> bool: ...

def read(path: _Path) -> Tuple[_Image, dict]:
    """Reads PNG, JPEG, TIFF or DICOM: the pixels (uint8 or uint16) and a meta dict."""

def segment(image: _Image, prior: Optional[str] = "builtin") -> Segmentation:
    """Finds the two lungs; ``prior``: ``"builtin"``, a ``.lfp`` file, or None."""

def feature_names() -> List[str]: ...
def feature_values(
    image: _Image, lungs: Union[Segmentation, npt.NDArray[np.uint8]]
) -> List[float]: ...
def train(data: List[str], trees: int = 200, seed: int = 1, harmonise: bool = False) -> Model: ...
def feature_table(
    data: List[str],
) -> Tuple[
    List[str],
    List[str],
    npt.NDArray[np.float64],
    List[Optional[int]],
    List[str],
    List[List[str]],
    List[Tuple[str, str]],
]: ...
def segment_files(
    paths: List[_Path], out: Optional[_Path] = None, prior: Optional[str] = "builtin"
) -> List[Tuple[str, List[str], str]]: ...
def evaluate_json(data: _Path, prior: Optional[str] = "builtin") -> str: ...
