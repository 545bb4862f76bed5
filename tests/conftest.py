import logging

import pytest

logging.getLogger("MESA").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def small_run():
    """One short run of the small scenario, shared by read-only tests."""
    from sim import CollaborationModel

    model = CollaborationModel("small", n_weeks=20, burn_in_weeks=4, rng=7)
    model.run()
    return model
