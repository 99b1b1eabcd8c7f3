from django.urls import path

import scheduling.views.calendar as calendar_views
import scheduling.views.course as course_views
import scheduling.views.finder as finder_views
import scheduling.views.waitlist as waitlist_views
from scheduling.views import appointments, feeds

app_name = "scheduling"

urlpatterns = [
    # Booking and the appointment's lifecycle.
    path("appointments/new/", appointments.book, name="book"),
    path("appointments/patient-options/", appointments.patient_options, name="patient-options"),
    path("appointments/<uuid:uuid>/", appointments.detail, name="appointment"),
    path("appointments/<uuid:uuid>/move/", appointments.move, name="move"),
    path("appointments/<uuid:uuid>/move/check/", appointments.move_check, name="move-check"),
    path("appointments/<uuid:uuid>/move/drop/", appointments.move_drop, name="move-drop"),
    path("appointments/<uuid:uuid>/move/undo/", appointments.move_undo, name="move-undo"),
    path("appointments/<uuid:uuid>/status/", appointments.status, name="status"),
    path("appointments/<uuid:uuid>/cancel/", appointments.cancel, name="cancel"),
    # --- calendar views (day, week, colours, day sheet) go below this line ---
    path("", calendar_views.day_view, name="day"),
    path("week/", calendar_views.week_view, name="week"),
    path("colours.css", calendar_views.colours_css, name="colours"),
    path("day-sheet/<uuid:uuid>/", calendar_views.day_sheet, name="day-sheet"),
    # --- find a time, course of care and waitlist go below this line ---
    path("find/", finder_views.find, name="find"),
    path("course/", course_views.course, name="course"),
    path("waitlist/", waitlist_views.waitlist, name="waitlist"),
    path("waitlist/<uuid:uuid>/withdraw/", waitlist_views.withdraw, name="waitlist-withdraw"),
    # --- calendar feeds go below this line ---
    path("feed/<str:token>.ics", feeds.feed, name="feed"),
    path("practitioners/feed/", feeds.manage, name="feed-manage"),
]
