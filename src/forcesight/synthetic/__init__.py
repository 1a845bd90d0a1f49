"""A realistic demo force, seeded, shaped by real data and the published figures in FACTS.md.

``build_demo_force(engine, seed, as_of, progress)`` writes it into the store (replacing any
demo force already there) and returns a ``DemoSummary``; ``generate_demo_force`` gives the same
data as frames without a store; ``params`` holds every parameter with its source.
"""

from forcesight.synthetic import params
from forcesight.synthetic.build import (
    DEFAULT_AS_OF,
    DEFAULT_SEED,
    build_demo_force,
    generate_demo_force,
)
from forcesight.synthetic.params import DEFAULT_PARAMS, DemoParams, parameter_table
from forcesight.synthetic.summary import DemoFrames, DemoSummary

__all__ = [
    "DEFAULT_AS_OF",
    "DEFAULT_PARAMS",
    "DEFAULT_SEED",
    "DemoFrames",
    "DemoParams",
    "DemoSummary",
    "build_demo_force",
    "generate_demo_force",
    "parameter_table",
    "params",
]
