"""Results as the shared charts (larnav.core.charts): bars for choices and scales, shares for a matrix."""

from django.utils.translation import gettext as _

from larnav.core.charts import bar_chart, share_chart

from .models import MIN_GROUP_SIZE, Question

MASKED = f"<{MIN_GROUP_SIZE}"


def attach(result) -> None:
    """Give each question of ``result`` (selectors.Results) its chart, where it has one."""
    for qr in result.questions:
        qr.chart = None
        if result.masked or qr.masked or not qr.answered:
            continue
        title = _("Answers to question %(n)s") % {"n": qr.number}
        if qr.rows:
            qr.chart = bar_chart(title, [r.label for r in qr.rows], [(_("Answers"), [r.count for r in qr.rows])],
                                 horizontal=True if qr.kind != Question.Kind.SCALE else None)
        elif qr.statements:
            qr.chart = share_chart(title, [s.statement.text for s in qr.statements],
                                   [(label, [s.counts[i] for s in qr.statements])
                                    for i, label in enumerate(qr.scale_labels)])


def attach_comparison(compared, sides) -> None:
    """One chart per compared question: the two selections' shares per option, or their means per statement."""
    a, b = sides
    for item in compared:
        title = _("Answers to question %(n)s") % {"n": item.number}
        if item.question.kind == Question.Kind.MATRIX:
            item.chart = bar_chart(title, [text for text, _am, _bm in item.statements], [
                (a.label, [MASKED if item.a_masked else am for _t, am, _bm in item.statements]),
                (b.label, [MASKED if item.b_masked else bm for _t, _am, bm in item.statements]),
            ], horizontal=True)
        elif item.labels:
            item.chart = bar_chart(title, item.labels, [
                (a.label, [MASKED] * len(item.labels) if item.a_masked else item.a_shares),
                (b.label, [MASKED] * len(item.labels) if item.b_masked else item.b_shares),
            ], unit="%")
        else:
            item.chart = None
