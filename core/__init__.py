"""Internal machinery of Sportello. Plugin authors import from :mod:`sportello` instead."""

import pluggy

#: Marks a function as a hook implementation (re-exported as ``sportello.hookimpl``).
hookimpl = pluggy.HookimplMarker("sportello")
