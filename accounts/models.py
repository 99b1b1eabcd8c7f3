from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.roles import STAFF_ROLES, Capability, Role, capabilities_of


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        # E-mail addresses are matched without regard to case.
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("role", Role.CLINIC_ADMIN)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in, with one role. People log in with their e-mail."""

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    # Django admin access; only clinic admins get it (see the CHECK below).
    is_staff = models.BooleanField("Django admin access", default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(is_staff=False) | models.Q(role=Role.CLINIC_ADMIN),
                name="accounts_user_only_admins_use_django_admin",
            ),
            models.CheckConstraint(
                condition=models.Q(is_superuser=False) | models.Q(role=Role.CLINIC_ADMIN),
                name="accounts_user_only_admins_are_superusers",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def can(self, capability: Capability) -> bool:
        return self.is_active and capability in capabilities_of(self.role)
