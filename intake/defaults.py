"""The intake questions the clinic starts with (version 1), in plain words.

The clinic edits them in the Django admin as new versions; this list is only
the first version, loaded by a migration (and by the demo).
"""

ODI_CHOICES = {
    "odi_pain_intensity": (
        "How bad is your pain right now?",
        "I have no pain at the moment\nThe pain is very mild\nThe pain is moderate\n"
        "The pain is fairly severe\nThe pain is very severe\nThe pain is the worst I can imagine",
    ),
    "odi_walking": (
        "How far can you walk?",
        "Pain does not stop me walking any distance\nPain stops me walking more than a mile\n"
        "Pain stops me walking more than half a mile\nPain stops me walking more than 100 yards\n"
        "I can only walk with a stick or crutches\nI am in bed most of the time",
    ),
    "odi_sitting": (
        "How long can you sit?",
        "I can sit in any chair as long as I like\nI can sit in my favourite chair as long as I "
        "like\nPain stops me sitting more than an hour\nPain stops me sitting more than half an "
        "hour\nPain stops me sitting more than 10 minutes\nPain stops me sitting at all",
    ),
    "odi_sleeping": (
        "How is your sleep?",
        "My sleep is never disturbed by pain\nMy sleep is occasionally disturbed by pain\n"
        "Because of pain I have less than 6 hours' sleep\nBecause of pain I have less than 4 "
        "hours' sleep\nBecause of pain I have less than 2 hours' sleep\nPain stops me sleeping "
        "at all",
    ),
}

# (section, key, text, kind, extra)
QUESTIONS = [
    ("contact", "phone", "Your phone number", "short_text", {}),
    ("contact", "address", "Your home address", "text", {}),
    ("contact", "emergency_contact", "Who should we call in an emergency? (name and phone)",
     "short_text", {}),
    ("contact", "gp", "Your GP (family doctor): name and surgery", "short_text", {}),
    ("history", "back_problem", "What is the problem with your back, and when did it start?",
     "text", {}),
    ("history", "conditions", "Any other health conditions we should know about?", "text",
     {"required": False, "help_text": "For example diabetes, heart problems, high blood pressure."}),
    ("history", "epilepsy", "Do you have epilepsy or have you ever had a seizure?", "yes_no",
     {"flag": "has_epilepsy"}),
    ("medication", "medicines", "Which medicines do you take at the moment?", "text",
     {"required": False, "help_text": "Include painkillers and anything from the chemist."}),
    ("medication", "blood_thinners",
     "Do you take blood thinners (for example warfarin, apixaban, rivaroxaban, clopidogrel) or "
     "do you bleed or bruise easily?", "yes_no", {"flag": "bleeding_risk"}),
    ("other_treatment", "other_treatment",
     "Are you having other treatment for your back? (physiotherapy, chiropractic, osteopathy, "
     "injections, medicines)", "text", {"required": False}),
    ("acupuncture", "had_acupuncture", "Have you had acupuncture before?", "yes_no", {}),
    ("acupuncture", "acupuncture_how", "If so, how did it go?", "text", {"required": False}),
    ("red_flags", "saddle_numbness",
     "Have you noticed numbness between your legs or around your bottom, or new trouble "
     "controlling your bladder or bowels?", "yes_no", {"is_red_flag": True}),
    ("red_flags", "leg_weakness",
     "Is one of your legs getting weaker, or does your foot drag or slap when you walk?",
     "yes_no", {"is_red_flag": True}),
    ("red_flags", "cancer_weight",
     "Have you ever had cancer, or lost weight recently without trying?", "yes_no",
     {"is_red_flag": True}),
    ("red_flags", "fever",
     "Have you had a fever, or do you take medicines that lower your immunity?", "yes_no",
     {"is_red_flag": True}),
    ("red_flags", "fall_fracture",
     "Did your back pain start after a fall or accident, or do you have thin bones "
     "(osteoporosis) or take steroid tablets long term?", "yes_no", {"is_red_flag": True}),
    ("red_flags", "night_pain",
     "Is the pain there all night, even when you lie still?", "yes_no", {"is_red_flag": True}),
    ("safety", "pregnant", "Are you pregnant, or could you be?", "yes_no",
     {"flag": "is_pregnant"}),
    ("safety", "device",
     "Do you have a pacemaker or another electrical device in your body?", "yes_no",
     {"flag": "has_implanted_device"}),
    ("safety", "device_details", "If so, what is it?", "short_text",
     {"required": False, "flag": "implanted_device_details"}),
    ("safety", "needle_fear", "Are you scared of needles, or have you ever fainted?", "yes_no",
     {"flag": "needle_phobia_or_fainting"}),
    ("safety", "nickel", "Are you allergic to nickel (metal jewellery)?", "yes_no",
     {"flag": "allergy_nickel"}),
    ("safety", "latex", "Are you allergic to latex (rubber gloves)?", "yes_no",
     {"flag": "allergy_latex"}),
    ("safety", "other_allergies", "Any other allergies?", "short_text",
     {"required": False, "flag": "other_allergies"}),
    ("safety", "skin",
     "Any skin problems, infections, wounds or swelling (lymphoedema)? Where?", "text",
     {"required": False, "flag": "skin_conditions"}),
    ("pain", "nprs_now", "Your pain now, from 0 (no pain) to 10 (worst imaginable)",
     "scale_0_10", {}),
    ("pain", "nprs_worst", "Your worst pain in the last day (0 to 10)", "scale_0_10", {}),
    *[("pain", key, text, "choice", {"choices": choices}) for key, (text, choices) in
      ODI_CHOICES.items()],
]  # fmt: skip


def create_default_form(IntakeForm, IntakeQuestion, version="1"):
    """Version ``version`` of the questions above (models passed in, for migrations)."""
    form = IntakeForm.objects.create(version=version, is_current=True)
    IntakeQuestion.objects.bulk_create(
        IntakeQuestion(
            form=form,
            position=index,
            section=section,
            key=key,
            text=text,
            kind=kind,
            choices=extra.get("choices", ""),
            required=extra.get("required", True),
            help_text=extra.get("help_text", ""),
            flag=extra.get("flag", ""),
            is_red_flag=extra.get("is_red_flag", False),
        )
        for index, (section, key, text, kind, extra) in enumerate(QUESTIONS)
    )
    return form
