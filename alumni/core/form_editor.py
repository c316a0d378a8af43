"""The back-office editor of admin-designed forms (join applications, event registrations).

One row per question; the list it produces is validated by alumni.core.custom_forms.
"""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

QUESTION_TYPES = [
    ("text", _("单行文本")),
    ("textarea", _("多行文本")),
    ("choice", _("单选")),
    ("number", _("数字")),
    ("date", _("日期")),
]


class QuestionForm(forms.Form):
    """One question; ``key`` names the answers and never changes."""

    key = forms.CharField(widget=forms.HiddenInput, required=False)
    label = forms.CharField(label=_("问题"), max_length=60, required=False)
    type = forms.ChoiceField(label=_("类型"), choices=QUESTION_TYPES, initial="text")
    required = forms.BooleanField(label=_("必填"), required=False)
    options = forms.CharField(
        label=_("选项（每行一个，仅单选）"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("key") and not data.get("label") and not data.get("DELETE"):
            self.add_error("label", _("请填写问题，或勾选删除"))
        if data.get("label") and data.get("type") == "choice":
            options = [line.strip() for line in (data.get("options") or "").splitlines() if line.strip()]
            if len(set(options)) < 2:
                self.add_error("options", _("单选题至少需要两个选项"))
        return data


QuestionFormSet = forms.formset_factory(QuestionForm, extra=2, can_delete=True)


def questions_initial(items: list[dict]) -> list[dict]:
    """A stored form as the editor's initial rows."""
    return [
        {
            "key": item["key"],
            "label": item["label"],
            "type": item.get("type", "text"),
            "required": item.get("required", False),
            "options": "\n".join(item.get("options", [])),
        }
        for item in items
    ]


def questions_from(formset) -> list[dict]:
    """The editor's rows as a stored form.

    A new question gets a random key: answers already given are stored under their question's
    key, so a key must never be handed to another question, even after its own was deleted."""
    items = []
    for row in formset.cleaned_data:
        if not row or row.get("DELETE") or not (row.get("label") or row.get("key")):
            continue
        item = {
            "key": row.get("key") or f"q{secrets.token_hex(4)}",
            "label": row["label"],
            "type": row["type"],
            "required": row["required"],
        }
        if row["type"] == "choice":
            item["options"] = row["options"].splitlines()
        items.append(item)
    return items
