"""Training the bundled PRM: never imported by serving (`prm/`) or the service (`mathreward/`).

data / families / stories* / render (the synthetic solution generator), train, calibrate (the
combiner), ensemble (packing members into one checkpoint), ablate_demo (sample rollouts for
`mathreward ablate --demo`); for the next model (issue 17, docs/prm-training-data.md): bpe (a
byte-level tokenizer), real_data / gsm8k_errors / math_errors / calc (step-labelled records from
GSM8K and MATH train solutions), data_report (the numbers behind the data and feature choices).
"""
