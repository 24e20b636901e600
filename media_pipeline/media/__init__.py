"""Media core (no Dagster imports): pure functions over paths and settings.

Modules: ``script`` (template writer), ``scenes`` (Pillow scene images), ``tts`` (espeak-ng narration),
``subtitles`` (SRT/ASS), ``music`` (generated bed), ``render`` (ffmpeg video), ``thumbnail``, ``probe``
(ffprobe checks), ``fonts`` (Hangul font discovery) and the helpers ``process`` (child processes in their
own group), ``ffmpeg``, ``kenburns``, ``progress``, ``text`` and ``textdraw``.
"""
