"""Package layout that pyproject.toml cannot say: `resources/` sits at the top of the
repository and installs as the `studio.resources` package (package data included)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["studio*"]), "studio.resources"],
    package_dir={"studio.resources": "resources"},
    package_data={"studio.resources": ["**/*"]},
)
