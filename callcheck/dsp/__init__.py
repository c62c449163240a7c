"""Signal processing below every other layer: the frame grid, the resampler, the pitch tracker.

``callcheck.dsp`` imports only NumPy/SciPy and :mod:`callcheck.types`; :mod:`callcheck.audio`
(speech activity, voice separation) and :mod:`callcheck.measures` (voice measures) both build on
it and it imports neither (``tests/test_layers.py`` checks this).

- :mod:`.timebase`: the 10 ms frame grid (frame ``k`` centred at ``k * HOP_S`` s) and how
  times and intervals map onto it;
- :mod:`.resample`: the one polyphase resampler (to 16 kHz for the VAD, the transcriber and the
  segmentation model; to 8 kHz for pitch);
- :mod:`.pitch`: the YIN tracker and its octave/continuity correction, shared by the voice
  separation (F0 as a speaker cue) and the voice measures (F0 statistics).
"""
