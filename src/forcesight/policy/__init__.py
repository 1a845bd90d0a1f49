"""Policy as data: versioned YAML rule files, each rule citing its source, validated by pydantic.

The shipped defaults live in ``policy/rules/``. A force overrides any file by putting a file of
the same name in the directory named by the ``policy_dir`` setting.
"""

from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy, policy_path

__all__ = ["PolicyFile", "SourcedRule", "load_policy", "policy_path"]
