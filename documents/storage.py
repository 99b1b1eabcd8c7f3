"""Where document files live: Django's ``STORAGES["documents"]`` (a private
folder outside the static and web roots by default; an S3-compatible store
through django-storages when configured, see README). Nothing serves this
storage directly: files go out only through ``documents.views.download``."""

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class DocumentStorage(LazyObject):
    """``storages["documents"]``, looked up on first use (as Django's
    ``default_storage`` is), so a changed STORAGES setting takes effect."""

    def _setup(self):
        self._wrapped = storages["documents"]


document_storage = DocumentStorage()


@receiver(setting_changed)
def _reset(*, setting, **kwargs):
    if setting == "STORAGES":
        document_storage._wrapped = empty
