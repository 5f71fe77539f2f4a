"""The durable-rules release whose C core soaprules builds into `soaprules.durable_rules_engine`.

`setup.py` reads these values (without importing the package) to fetch and check the
source; `engine.py` reports them, so a record names the engine that was compiled, not a
distribution that is no longer installed.
"""
DURABLE_VERSION = "2.0.28"
DURABLE_SDIST = "durable_rules-2.0.28.tar.gz"
DURABLE_SDIST_SHA256 = "053b26f5e48d312d4fa27995243f954671be6eece477f150c059c364eb4d7d61"
# The one change made to durable's binding (upstream PR #403, merged but unreleased):
# PyEval_CallObject left the C API in 3.13; PyObject_CallObject exists on every Python.
PATCH_OLD, PATCH_NEW, PATCH_SITES = "PyEval_CallObject(", "PyObject_CallObject(", 5
PATCH_ID = "soaprules.1"
