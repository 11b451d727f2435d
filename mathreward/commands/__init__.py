"""Sub-commands of the `mathreward` CLI; each module has `add_parser(subparsers)`."""
