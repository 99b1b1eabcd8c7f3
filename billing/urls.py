from django.urls import include, path

from billing import views

app_name = "billing"

invoice_urls = [
    path("", views.invoice, name="invoice"),
    path("issue/", views.issue, name="issue"),
    path("pay/", views.pay, name="pay"),
    path("redeem/", views.redeem, name="redeem"),
    path("void/", views.void, name="void"),
    path("credit-note/", views.credit_note, name="credit-note"),
    path("lines/<int:line_id>/remove/", views.remove_line, name="remove-line"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("patients/<uuid:uuid>/", views.account, name="account"),
    path("patients/<uuid:uuid>/items/", views.add_item, name="add-item"),
    path("patients/<uuid:uuid>/packages/", views.sell_package, name="sell-package"),
    path("patients/<uuid:uuid>/packages/balance/", views.package_balance, name="package-balance"),
    path("payments/<uuid:uuid>/refund/", views.refund, name="refund"),
    path("invoices/<uuid:uuid>/", include(invoice_urls)),
]
