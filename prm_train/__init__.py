"""Training the bundled PRM: never imported by serving (`prm/`) or the service (`mathreward/`).

data / families / stories* / render (the synthetic solution generator), train, calibrate (the
combiner), ensemble (packing members into one checkpoint), ablate_demo (sample rollouts for
`mathreward ablate --demo`).
"""
