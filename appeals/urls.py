"""The appellant's pages (included under i18n_patterns at "appeals/")."""

from django.urls import path

from .views import citizen

app_name = "appeals"

urlpatterns = [
    path("", citizen.my_appeals, name="my-appeals"),
    path("new/", citizen.choose_decision, name="choose-decision"),
    path("new/<str:decision_reference>/", citizen.start, name="start"),
    # The draft, one question per page.
    path("<str:reference>/draft/", citizen.task_list, name="task-list"),
    path("<str:reference>/draft/late/", citizen.late, name="late"),
    path("<str:reference>/draft/reasons/", citizen.grounds, name="grounds"),
    path("<str:reference>/draft/reasons/add/", citizen.ground_add, name="ground-add"),
    path("<str:reference>/draft/reasons/add/<str:kind>/", citizen.ground_new, name="ground-new"),
    path("<str:reference>/draft/reasons/<int:position>/", citizen.ground_change, name="ground-change"),
    path("<str:reference>/draft/reasons/<int:position>/remove/", citizen.ground_remove, name="ground-remove"),
    path("<str:reference>/draft/statement/", citizen.statement, name="statement"),
    path("<str:reference>/draft/evidence/", citizen.evidence, name="evidence"),
    path(
        "<str:reference>/draft/evidence/<int:evidence_id>/remove/",
        citizen.evidence_delete,
        name="evidence-remove",
    ),
    path("<str:reference>/draft/protection/", citizen.interim, name="interim"),
    path("<str:reference>/draft/contact/", citizen.contact, name="contact"),
    path("<str:reference>/draft/language/", citizen.language, name="language"),
    path("<str:reference>/draft/check/", citizen.check, name="check"),
    # After sending.
    path("<str:reference>/", citizen.detail, name="detail"),
    path("<str:reference>/sent/", citizen.confirmation, name="confirmation"),
    path("<str:reference>/receipt/", citizen.receipt, name="receipt"),
    path("<str:reference>/letter/", citizen.letter, name="letter"),
    path("<str:reference>/withdraw/", citizen.withdraw, name="withdraw"),
    path("<str:reference>/evidence/<int:evidence_id>/", citizen.evidence_file, name="evidence-file"),
]
