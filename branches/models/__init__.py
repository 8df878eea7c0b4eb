"""Models of the branches app: the organization tree and roles, organizational life, work notices."""

from .meetings import *  # noqa: F403
from .notices import *  # noqa: F403
from .notifications import *  # noqa: F403
from .tree import *  # noqa: F403
