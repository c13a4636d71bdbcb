"""The framework descriptors (each package's framework.py): what the loader, the tools and the
command read, consistent with one another and with the code they name."""

import pytest

from dlparity.core.errors import DlparityError
from dlparity.core.framework import Framework
from dlparity.course import lessons
from dlparity.runtime import frameworks

DESCRIPTORS = frameworks.descriptors()


def test_each_package_describes_its_frameworks_in_the_command_s_order():
    assert frameworks.names() == ["numpy", "jax", "tf", "keras", "keras-jax"]
    assert frameworks.defaults() == ["numpy", "jax", "tf", "keras"], "keras-jax: when asked for"
    assert frameworks.stock_names() == ["keras-stock", "keras-jax-stock"]
    for f in DESCRIPTORS:
        assert isinstance(f, Framework) and f.package in frameworks.PACKAGES
        assert f.train.startswith(f.package + ".") and f.predict.startswith(f.package + ".")
        assert all(v.package == f.package and not v.variants for v in f.variants)


def test_one_reference_and_the_frameworks_they_name_exist():
    (reference,) = [f for f in DESCRIPTORS if f.reference]
    assert reference is frameworks.reference() and reference.needs == ()
    for f in DESCRIPTORS:
        assert f.measured_against in (None, *frameworks.names())
        assert f.worker <= (f.keras_backend is not None), "a worker is for another Keras backend"


def test_the_functions_named_are_found_without_importing_them():
    for f in DESCRIPTORS:
        for ref in (f.train, f.predict, f.gradcheck, f.platforms):
            if ref is not None:
                assert frameworks._findable(ref.partition(":")[0]), f"{f.name}: {ref}"


@pytest.mark.parametrize("name", ["numpy", "jax", "tf"])
def test_the_functions_named_resolve(name):
    framework = frameworks.get(name)
    for needed in framework.needs:
        pytest.importorskip(needed)
    for ref in (framework.train, framework.predict, framework.gradcheck, framework.platforms):
        assert ref is None or callable(frameworks.function(ref)), ref


def test_a_column_of_show_names_every_topic():
    for f in DESCRIPTORS:
        if f.show:
            assert list(f.lessons) == list(lessons.LESSONS), f.name
        else:
            assert not f.lessons, f"{f.name}: code for a column it does not have"


def test_a_stock_name_splits_into_its_framework_and_option():
    assert frameworks.split("keras-jax-stock") == (frameworks.get("keras-jax"), {"stock": True})
    assert frameworks.split("tf") == (frameworks.get("tf"), {})
    with pytest.raises(DlparityError, match="only keras and keras-jax have a stock variant"):
        frameworks.split("tf-stock")
    with pytest.raises(DlparityError, match=r"choose from numpy, jax, tf, keras, keras-jax \(and"):
        frameworks.get("torch")
