"""`wangge routing …`: train, judge and manage the classifier that suggests a case's category.

    wangge routing train                                  a new version from the closed cases
    wangge routing train --csv F --text-column C [--text-column C2 …] --label-column L --out M
                                                          a model file from any labelled CSV
    wangge routing evaluate [--model M | --version N] --csv F --text-column C --label-column L
    wangge routing install M                              a model file as a new version
    wangge routing versions | activate N | rollback
    wangge routing policy [--auto-dispatch-confidence X | --off]

`train` and `evaluate` print a report (per-class precision and recall, the confusion matrix)
and, as their last line, one JSON object with at least macro_f1, accuracy,
predictions_per_second and n. Exit codes: 0 done; 1 refused (too few examples, a label that
is no category, no earlier version); 2 bad input (unreadable file, missing column).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from wangge.routing import classifier, services
from wangge.routing.exceptions import RoutingError
from wangge.routing.labelled_csv import LabelledFileInvalid, read_labelled_csv
from wangge.routing.notes import described

EXIT_REFUSED = 1
EXIT_USAGE = 2


class Command(BaseCommand):
    @property
    def help(self) -> str:  # type: ignore[override]
        return _("Train, evaluate and manage the classifier that suggests a case's category.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        training = actions.add_parser(
            "train",
            help=_("Train a new version from the closed cases, or a model file from a CSV."),
        )
        _csv_arguments(training, required=False)
        training.add_argument("--out", metavar="FILE", help=_("Where to write the model file"))
        training.add_argument(
            "--no-activate", action="store_true", help=_("Keep the active version as it is")
        )
        evaluating = actions.add_parser("evaluate", help=_("Judge a model on a labelled CSV file."))
        which = evaluating.add_mutually_exclusive_group()
        which.add_argument("--model", metavar="FILE", help=_("A model file"))
        which.add_argument("--version", type=int, metavar="N", help=_("A stored version"))
        _csv_arguments(evaluating, required=True)
        installing = actions.add_parser("install", help=_("Store a model file as a new version."))
        installing.add_argument("model", metavar="FILE")
        installing.add_argument("--no-activate", action="store_true")
        actions.add_parser("versions", help=_("List the model versions."))
        activating = actions.add_parser("activate", help=_("Make a version the active one."))
        activating.add_argument("number", type=int, metavar="N")
        actions.add_parser("rollback", help=_("Make the previously active version active again."))
        policy = actions.add_parser("policy", help=_("Show or set automatic dispatch."))
        setting = policy.add_mutually_exclusive_group()
        setting.add_argument("--auto-dispatch-confidence", metavar="X")
        setting.add_argument("--off", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"])(options)
        except (LabelledFileInvalid, classifier.ModelFileInvalid) as error:
            self._fail(str(error), EXIT_USAGE)
        except (RoutingError, classifier.TrainingRefused) as error:
            self._fail(str(error), EXIT_REFUSED)

    def _fail(self, message: str, code: int) -> None:
        self.stderr.write(message)
        sys.exit(code)

    # --- training and judging ---------------------------------------------------------------

    def _train(self, options: dict[str, Any]) -> None:
        if options["csv"]:
            if not options["out"]:
                self._fail(_("--out FILE is needed with --csv"), EXIT_USAGE)
            examples = _examples(options)
            model, report = classifier.train(examples.texts, examples.labels)
            Path(options["out"]).write_bytes(classifier.to_bytes(model))
            self._print_report(report.as_dict())
            return
        version = services.train_from_cases(None, activate=not options["no_activate"])
        self.stdout.write(
            _("Version %(version)s stored%(active)s.")
            % {"version": version, "active": _(", active") if version.is_active else ""}
        )
        self._print_report(version.report)

    def _evaluate(self, options: dict[str, Any]) -> None:
        if options["model"]:
            try:
                data = Path(options["model"]).read_bytes()
            except OSError as error:
                self._fail(f"{options['model']}: {error.strerror}", EXIT_USAGE)
            model = classifier.from_bytes(data)
        else:
            model = _stored_model(options["version"])
        examples = _examples(options)
        self._print_report(classifier.evaluate(model, examples.texts, examples.labels).as_dict())

    def _print_report(self, report: dict[str, Any]) -> None:
        for note in described(report):
            self.stdout.write(f"# {note}")
        self.stdout.write(
            f"{_('class'):<16} {_('precision'):>9} {_('recall'):>9} {'F1':>9} {_('n'):>7}"
        )
        for row in report["classes"]:
            self.stdout.write(
                f"{row['label']:<16} {row['precision']:>9.3f} {row['recall']:>9.3f} "
                f"{row['f1']:>9.3f} {row['support']:>7}"
            )
        self.stdout.write(_("Confusion matrix (rows: true, columns: predicted):"))
        self.stdout.write("\t".join(["", *report["labels"]]))
        for label, row in zip(report["labels"], report["confusion"], strict=True):
            self.stdout.write("\t".join([label, *map(str, row)]))
        summary = {
            "macro_f1": round(report["macro_f1"], 4),
            "accuracy": round(report["accuracy"], 4),
            "predictions_per_second": round(report["predictions_per_second"], 1),
            "n": report["n"],
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    # --- versions and policy -----------------------------------------------------------------

    def _install(self, options: dict[str, Any]) -> None:
        try:
            data = Path(options["model"]).read_bytes()
        except OSError as error:
            self._fail(f"{options['model']}: {error.strerror}", EXIT_USAGE)
        version = services.install_model(None, data, activate=not options["no_activate"])
        self.stdout.write(_("Version %(version)s stored.") % {"version": version})

    def _versions(self, options: dict[str, Any]) -> None:
        for version in services.versions():
            report = version.report or {}
            self.stdout.write(
                f"{'*' if version.is_active else ' '} {version} {version.get_source_display()} "
                f"{version.created_at:%Y-%m-%d %H:%M} n={version.trained_on} "
                f"macro_f1={report.get('macro_f1', 0):.4f}"
            )

    def _activate(self, options: dict[str, Any]) -> None:
        version = services.activate(None, options["number"])
        self.stdout.write(_("Version %(version)s is active.") % {"version": version})

    def _rollback(self, options: dict[str, Any]) -> None:
        version = services.rollback(None)
        self.stdout.write(_("Version %(version)s is active.") % {"version": version})

    def _policy(self, options: dict[str, Any]) -> None:
        if options["off"]:
            services.set_auto_dispatch_confidence(None, None)
        elif options["auto_dispatch_confidence"] is not None:
            services.set_auto_dispatch_confidence(None, options["auto_dispatch_confidence"])
        threshold = services.policy().auto_dispatch_confidence
        self.stdout.write(
            _("Automatic dispatch: off")
            if threshold is None
            else _("Automatic dispatch at confidence ≥ %(threshold)s") % {"threshold": threshold}
        )


def _csv_arguments(parser: CommandParser, *, required: bool) -> None:
    parser.add_argument("--csv", required=required, metavar="FILE", help=_("Labelled CSV file"))
    parser.add_argument(
        "--text-column",
        action="append",
        metavar="C",
        help=_("Column holding text; repeat to join several (title, then description)"),
    )
    parser.add_argument("--label-column", metavar="L", help=_("Column holding the label"))


def _examples(options: dict[str, Any]) -> Any:
    if not options["text_column"] or not options["label_column"]:
        raise LabelledFileInvalid(_("--text-column and --label-column are needed with --csv"))
    return read_labelled_csv(options["csv"], options["text_column"], options["label_column"])


def _stored_model(number: int | None) -> classifier.TextClassifier:
    if number is None:
        loaded = services.active_model()
        if loaded is None:
            raise LabelledFileInvalid(_("No model is active; name one with --model or --version"))
        return loaded[1]
    version = services.get_version(number)
    return services.load_version(version)
