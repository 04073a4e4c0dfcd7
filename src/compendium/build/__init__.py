"""The build: runs the notebooks in order with papermill (:mod:`.pipeline`), reruns only
what changed (:mod:`.dependencies`), on kernels forked from a warm server
(:mod:`.kernels`, :mod:`.warm_kernels`, :mod:`._kernel_launcher`).
"""
