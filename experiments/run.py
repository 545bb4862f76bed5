"""`python -m experiments.run`, the Hydra job, whose code is experiments/running/job.py."""

import gc

from experiments.running.job import main

if __name__ == "__main__":
    main()
    # Everything is written and closed. The interpreter's exit would otherwise collect its million
    # objects (pandas, numba, matplotlib) several times over: about 0.4 s of `make run`. Frozen, they
    # are released without those passes (Python never promised __del__ at exit for what is still alive).
    gc.freeze()
