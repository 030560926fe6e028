"""Running the workbooks: region manifests, typed parameters, warm kernels, batch runs."""
