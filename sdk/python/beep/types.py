"""The contract's types (``beep:connector/types``), as componentize-py generates them.

``from beep.types import Payment, PaymentStatus, Money, …`` works in every world: the
bindings are generated per world, but ``types`` is the same interface in all of them.
"""

from wit_world.imports.beep_connector_types import *  # noqa: F401,F403
from componentize_py_types import Err, Ok, Some  # noqa: F401
