"""Packaging glue: the top-level rules/ folder ships inside the wheel as the package data of secscan._rules."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["secscan", "secscan.*"]), "secscan._rules"],
    package_dir={"secscan._rules": "rules"},
)
