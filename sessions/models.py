# Treatment session records arrive with the treatment-session issue (#4).
