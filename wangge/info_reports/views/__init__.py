"""Pages of information reports: lists, the phone form, a report with its timeline and the
receivers' actions, and the kinds of information."""
