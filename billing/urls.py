from django.urls import include, path

from billing import coding_views, document_views, report_views, views

app_name = "billing"

invoice_urls = [
    path("", views.invoice, name="invoice"),
    path("issue/", views.issue, name="issue"),
    path("pay/", views.pay, name="pay"),
    path("redeem/", views.redeem, name="redeem"),
    path("void/", views.void, name="void"),
    path("credit-note/", views.credit_note, name="credit-note"),
    path("lines/<int:line_id>/remove/", views.remove_line, name="remove-line"),
    path("<str:kind>.pdf", document_views.invoice_pdf, name="document-pdf"),
    path("<str:kind>/email/", document_views.email_document, name="email-document"),
    path("superbill/", document_views.superbill_page, name="superbill"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("patients/<uuid:uuid>/", views.account, name="account"),
    path("patients/<uuid:uuid>/items/", views.add_item, name="add-item"),
    path("patients/<uuid:uuid>/packages/", views.sell_package, name="sell-package"),
    path("patients/<uuid:uuid>/packages/balance/", views.package_balance, name="package-balance"),
    path("payments/<uuid:uuid>/refund/", views.refund, name="refund"),
    path("reports/takings/", report_views.takings, name="takings"),
    path("reports/aged/", report_views.aged, name="aged"),
    path("reports/revenue/", report_views.revenue, name="revenue"),
    path("exports/<str:what>.csv", report_views.export, name="export"),
    path("records/<uuid:uuid>/codes/", coding_views.codes, name="codes"),
    path("credit-notes/<uuid:uuid>.pdf", document_views.credit_note_pdf, name="credit-note-pdf"),
    path("invoices/<uuid:uuid>/", include(invoice_urls)),
]
