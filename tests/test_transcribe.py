"""The transcriber adapter's pure parts: chunking, snapping words into speech, loop removal, models."""

from __future__ import annotations

import pytest

from callcheck.errors import ModelError
from callcheck.transcribe.models import EMBEDDED_SHA256, ensure_embedded_model, resolve_model
from callcheck.transcribe.whisper import drop_repetition_loops, snap_words, speech_chunks
from callcheck.types import Interval, Word


def _w(text, s, e=None, p=0.9):
    return Word("agent", text, s, s + 0.2 if e is None else e, p)


def test_speech_chunks_pad_and_merge():
    speech = [Interval(1.0, 2.0), Interval(2.3, 3.0), Interval(5.0, 5.5)]
    assert speech_chunks(speech, pad_s=0.2, duration_s=5.6) == [(0.8, 3.2), (4.8, 5.6)]


def test_snap_words_keeps_words_inside_their_speech():
    speech = (Interval(1.0, 2.0), Interval(4.0, 5.0))
    words = [_w("a", 0.9, 1.2), _w("b", 1.9, 2.15), _w("leak", 3.0, 3.3), _w("c", 4.5, 4.7)]
    out = snap_words(words, speech, tolerance_s=0.3)
    assert [w.text for w in out] == ["a", "b", "c"]
    for w in out:
        assert any(iv.start_s <= w.start_s <= w.end_s <= iv.end_s for iv in speech)


def test_repetition_loops_are_collapsed_but_real_repeats_kept():
    loop = [_w("1", 0.1 * i) for i in range(12)]
    assert [w.text for w in drop_repetition_loops(loop)] == ["1"]
    sorry = [_w(t, 0.1 * i) for i, t in enumerate(["I'm", "sorry"] * 6 + ["okay"])]
    assert [w.text for w in drop_repetition_loops(sorry)] == ["I'm", "sorry", "okay"]
    jaja = [_w(t, 0.1 * i) for i, t in enumerate(["ja,", "ja,", "ja.", "Wie", "gesagt"])]
    assert drop_repetition_loops(jaja) == tuple(jaja)


def test_embedded_model_is_assembled_and_verified(tmp_path):
    path = ensure_embedded_model(tmp_path)
    assert (path / "model.bin").stat().st_size == 2 * 72608766
    assert (path / ".callcheck-verified").read_text().strip() == EMBEDDED_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (path / name).is_file()
    # a damaged model.bin is detected and assembled again
    with (path / "model.bin").open("r+b") as fh:
        fh.truncate(1000)
    again = ensure_embedded_model(tmp_path)
    assert (again / "model.bin").stat().st_size == 2 * 72608766


def test_model_resolution_messages(tmp_path):
    with pytest.raises(ModelError, match="no model.bin in this folder"):
        resolve_model(str(tmp_path))
    spec = resolve_model("small")
    assert spec.source == "hub" and spec.name == "small"


# ------------------------------------------------------------ loops and language (issue 15)

from types import SimpleNamespace

import numpy as np

from callcheck.config import Config
from callcheck.pipeline import State, step_language
from callcheck.transcribe.whisper import (
    DEFAULT_LANGUAGE_CANDIDATES,
    MAX_DIGIT_RUN,
    choose_language,
    collapse_token_runs,
    speech_budget,
)
from callcheck.types import CallInfo, PartySignal


def test_long_phrase_loops_are_collapsed():
    thai = ["ก็", "คือ", "ว่า", "เรา", "จะ"]
    loop = [_w(t, 0.1 * i) for i, t in enumerate(thai * 45 + ["ok"])]
    assert [w.text for w in drop_repetition_loops(loop)] == thai + ["ok"]
    ten = [f"w{k}" for k in range(10)]
    loop10 = [_w(t, 0.1 * i) for i, t in enumerate(ten * 3)]
    assert [w.text for w in drop_repetition_loops(loop10)] == ten
    # a five-word phrase said twice, and a two-word one three times, are speech
    twice = [_w(t, 0.1 * i) for i, t in enumerate("das ist ja wirklich schön das ist ja wirklich schön".split())]
    assert drop_repetition_loops(twice) == tuple(twice)
    genau = [_w(t, 0.1 * i) for i, t in enumerate("ja genau ja genau ja genau".split())]
    assert drop_repetition_loops(genau) == tuple(genau)
    nein = [_w(t, 0.1 * i) for i, t in enumerate(["nein", "nein", "danke", "danke"])]
    assert drop_repetition_loops(nein) == tuple(nein)


def test_runs_inside_one_token_are_collapsed_and_digit_runs_cut():
    words = [_w("1111111111111111", 0.0), _w("hahahahahaha", 0.3), _w("100000", 0.6), _w("0800", 0.9),
             _w("DE" + "1234567890" * 15, 1.2), _w("ja,", 1.5), _w("00000000000000", 1.8)]
    out = collapse_token_runs(words)
    assert [w.text for w in out] == ["1", "ha", "100000", "0800", "DE" + "1234567890", "ja,", "0"]
    # a long non-periodic number is cut to the longest IBAN
    digits = "".join(str(d) for d in np.random.default_rng(3).integers(0, 10, 150))
    (cut,) = collapse_token_runs([_w(digits, 0.0)])
    assert cut.text == digits[:MAX_DIGIT_RUN] and (cut.start_s, cut.end_s) == (0.0, 0.2)
    assert collapse_token_runs([_w("Donaudampfschifffahrtsgesellschaft", 0.0)])[0].text == "Donaudampfschifffahrtsgesellschaft"


def test_language_is_chosen_among_the_candidates_and_renormalised():
    probs = {"th": 0.49, "de": 0.07, "en": 0.06, "fr": 0.01}
    lang, p, note = choose_language(probs, ("de", "en"))
    assert lang == "de" and p == pytest.approx(0.07 / 0.13)
    assert note is None  # 0.49 is not above 0.5
    lang, p, note = choose_language({"fr": 0.95, "en": 0.03, "de": 0.01}, DEFAULT_LANGUAGE_CANDIDATES)
    assert lang == "en" and p == pytest.approx(0.75)
    assert "sounds most like 'fr' (probability 0.95)" in note and "transcribe.language_candidates: de, en" in note
    assert choose_language({"fr": 0.95, "en": 0.05}, ()) == ("fr", 0.95, None)  # any language allowed
    assert choose_language({}, ("de", "en")) == ("de", 0.0, None)


def test_speech_budget_hears_both_parties():
    assert speech_budget([3.7, 7.7], 30.0) == pytest.approx([3.7, 7.7])
    assert speech_budget([3.7, 60.0], 30.0) == pytest.approx([3.7, 26.3])
    assert speech_budget([40.0, 60.0], 30.0) == pytest.approx([15.0, 15.0])
    assert speech_budget([0.0, 5.0], 30.0) == pytest.approx([0.0, 5.0])


class _ProbTranscriber:
    identity = "probs"

    def __init__(self, probs):
        self.probs = probs
        self.seen = []

    def detect_language(self, samples, sample_rate, *, speech):  # pragma: no cover - not used
        raise AssertionError("language_probabilities is preferred")

    def language_probabilities(self, signals):
        self.seen.append([sum(iv.duration_s for iv in sp) for _, _, sp in signals])
        return self.probs


def _state(config, agent_s=3.7, caller_s=7.7):
    x = np.zeros(16000 * 12, np.float32)
    parties = {
        "agent": PartySignal("agent", x, 16000, (Interval(0.5, 0.5 + agent_s),)),
        "caller": PartySignal("caller", x, 16000, (Interval(4.0, 4.0 + caller_s),)),
    }
    return State(info=CallInfo(path="x.wav", call_id="x"), config=config, parties=parties)


def test_step_language_uses_both_parties_and_the_candidates():
    ctx = SimpleNamespace(transcriber=_ProbTranscriber({"th": 0.71, "de": 0.2, "en": 0.05}))
    out = step_language(_state(Config()), ctx)
    assert ctx.transcriber.seen == [[pytest.approx(3.7), pytest.approx(7.7)]]  # both parties heard
    assert out.language == "de" and out.language_probability == pytest.approx(0.8)
    assert any("sounds most like 'th'" in n for n in out.notes)
    # the key the config will get (transcribe.language_candidates): an empty list allows any language
    cfg_any = SimpleNamespace(transcribe=SimpleNamespace(language_candidates=()))
    out = step_language(_state(cfg_any), SimpleNamespace(transcriber=_ProbTranscriber({"th": 0.71, "de": 0.2})))
    assert out.language == "th" and out.language_probability == pytest.approx(0.71) and not out.notes
    cfg_fr = SimpleNamespace(transcribe=SimpleNamespace(language_candidates=("fr", "de")))
    out = step_language(_state(cfg_fr), SimpleNamespace(transcriber=_ProbTranscriber({"fr": 0.3, "de": 0.1, "en": 0.6})))
    assert out.language == "fr" and out.language_probability == pytest.approx(0.75)
    # no speech: the first candidate is assumed, and said
    out = step_language(_state(Config(), agent_s=0.1, caller_s=0.2), ctx)
    assert out.language == "de" and out.notes == ("too little speech to detect the language; assumed de",)


@pytest.mark.slow
def test_twelve_second_german_excerpt_is_transcribed_as_german(tmp_path):
    """Issue 15: the first 12 s of de01, where the agent speaks 3.7 s, read as Thai from the agent's
    speech alone in 47 of 102 fuzzed copies (probability 0.25-0.71) and came out as a 5-token Thai
    loop. With both parties' speech and the de/en candidates it is German, fuzzed copies too."""
    import soundfile as sf

    from callcheck.pipeline import Context, run_steps
    from callcheck.transcribe.models import resolve_model
    from callcheck.transcribe.whisper import make_transcriber
    from conftest import SAMPLES

    x, rate = sf.read(SAMPLES / "sonja" / "de01_good_practice.wav", dtype="float32", always_2d=True)
    x = x[: 12 * rate]
    rng = np.random.default_rng(15)
    copies = {
        "clean": x,
        "noise": x + 0.02 * rng.standard_normal(x.shape).astype(np.float32),
        "quiet": x * np.float32(0.05),
        "loud": np.clip(x * 4, -1, 1),
    }
    config = Config()
    tr = make_transcriber(resolve_model(None), config.transcribe)
    for name, y in copies.items():
        f = tmp_path / f"{name}.wav"
        sf.write(f, y, rate, subtype="PCM_16")
        state = run_steps(CallInfo(path=str(f), call_id=name), config=config, context=Context(transcriber=tr))
        agent_s = state.parties["agent"].talk_time_s
        assert state.language == "de", (name, state.language, state.language_probability, state.notes)
        assert state.language_probability > 0.8, (name, state.language_probability)
        words = [w.text.lower().strip(".,!?") for w in state.transcript.words]
        assert len(words) < 60, (name, len(words))  # no loop
        if name == "clean":
            assert 3.0 < agent_s < 4.5, agent_s
            agent_words = [w.text for w in state.transcript.words if w.speaker == "agent"]
            assert "guten" in words and "tag" in words and agent_words, [(w.speaker, w.text) for w in state.transcript.words]


def test_long_speech_goes_to_the_model_in_batches_with_times_kept():
    """A one-hour party is transcribed in batches of <= TRANSCRIBE_BATCH_S of speech (faster-whisper's
    features for the whole hour took ~1.5 GB); every word keeps its time in the recording."""
    from callcheck.config import TranscribeConfig
    from callcheck.transcribe.models import ModelSpec
    from callcheck.transcribe.whisper import TRANSCRIBE_BATCH_S, FasterWhisperTranscriber, speech_batches

    chunks = [(10.0 * k, 10.0 * k + 8.0) for k in range(360)]  # 48 min of speech in one hour
    groups = speech_batches(chunks, max_s=600.0)
    assert [c for g in groups for c in g] == chunks
    assert all(sum(e - s for s, e in g) <= 600.0 for g in groups) and len(groups) == 5
    assert speech_batches([(0.0, 700.0), (701.0, 702.0)], max_s=600.0) == [[(0.0, 700.0)], [(701.0, 702.0)]]

    class _W:
        def __init__(self, word, start, end):
            self.word, self.start, self.end, self.probability = word, start, end, 0.9

    class _Model:
        def __init__(self):
            self.lengths = []

        def transcribe(self, audio, **kw):
            self.lengths.append(audio.shape[0] / 16000)
            # one word 1 s into each 8 s chunk of the batch (chunks were padded by 0.2 s)
            n = int(round(audio.shape[0] / 16000 / 8.4))
            base = sum(int(round(x / 8.4)) for x in self.lengths[:-1])
            words = [_W(f" w{base + k}", 8.4 * k + 1.0, 8.4 * k + 1.3) for k in range(n)]  # distinct: no loop
            return [SimpleNamespace(words=words)], None

    speech = tuple(Interval(10.0 * k + 0.2, 10.0 * k + 8.2) for k in range(360))
    tr = FasterWhisperTranscriber(spec=ModelSpec(name="fake", path_or_name="fake", download_root=None, source="path"), config=TranscribeConfig())
    tr._model = _Model()
    words = tr.transcribe(np.zeros(16000 * 3600, np.float32), 16000, speech=speech, language="de", speaker="agent")
    import math

    assert max(tr._model.lengths) <= TRANSCRIBE_BATCH_S
    assert len(tr._model.lengths) == math.ceil(360 / (TRANSCRIBE_BATCH_S // 8.4))
    assert len(words) == 360
    assert [round(w.start_s, 2) for w in words[:3]] == [1.0, 11.0, 21.0]
    assert round(words[-1].start_s, 2) == 3591.0


def test_language_window_takes_both_parties_first_speech_only():
    """One Whisper window (30 s) shared by the parties; only the speech it needs is resampled and
    copied (the language step of a one-hour call peaked at 1.14 GB when each party's whole speech
    was concatenated first)."""
    from callcheck.config import TranscribeConfig
    from callcheck.transcribe.models import ModelSpec
    from callcheck.transcribe.whisper import FasterWhisperTranscriber

    class _Model:
        def __init__(self):
            self.audio = None

        def detect_language(self, audio, language_detection_segments):
            self.audio = audio
            return "de", 0.9, [("de", 0.9), ("en", 0.05), ("th", 0.05)]

    tr = FasterWhisperTranscriber(spec=ModelSpec(name="f", path_or_name="f", download_root=None, source="path"),
                                  config=TranscribeConfig())
    tr._model = _Model()
    rate = 8000
    agent = np.full(rate * 3600, 0.1, np.float32)
    caller = np.full(rate * 3600, -0.2, np.float32)
    speech_a = tuple(Interval(100.0 * k, 100.0 * k + 10.0) for k in range(36))  # 6 min of speech
    speech_c = (Interval(50.0, 54.6),)  # 5 s with its padding
    probs = tr.language_probabilities([(agent, rate, speech_a), (caller, rate, speech_c)])
    assert probs == {"de": 0.9, "en": 0.05, "th": 0.05}
    audio = tr._model.audio
    assert audio.shape[0] == pytest.approx(30 * 16000, abs=16)
    assert np.sum(audio < -0.1) == pytest.approx(5.0 * 16000, rel=0.02)  # the caller's 5 s, all of it
    assert tr.detect_language(caller, rate, speech=speech_c) == ("de", 0.9)


def test_caller_beam_size_decodes_only_the_callers_speech_with_its_beam():
    """``transcribe.caller_beam_size`` (the caller dictates the personal data to redact): the
    caller's speech is decoded with that beam, the agent's with ``beam_size``; the transcriber's
    identity (the transcript caches' key) names it, and is unchanged when it is not set."""
    from callcheck.config import TranscribeConfig
    from callcheck.transcribe.models import ModelSpec
    from callcheck.transcribe.whisper import FasterWhisperTranscriber

    class _Model:
        def __init__(self):
            self.beams = []

        def transcribe(self, audio, **kw):
            self.beams.append(kw["beam_size"])
            return [SimpleNamespace(words=[])], None

    spec = ModelSpec(name="fake", path_or_name="fake", download_root=None, source="path")
    tr = FasterWhisperTranscriber(spec=spec, config=TranscribeConfig(caller_beam_size=5))
    tr._model = _Model()
    x, speech = np.zeros(16000 * 4, np.float32), (Interval(0.5, 3.5),)
    for party in ("agent", "caller"):
        tr.transcribe(x, 16000, speech=speech, language="de", speaker=party)
    # the caller's beam search left the 3.4 s of speech without a word: decoded again greedily
    assert tr._model.beams == [1, 5, 1]
    plain = FasterWhisperTranscriber(spec=spec, config=TranscribeConfig(caller_beam_size=0))
    assert ":beam1/caller5r:" in tr.identity and ":beam1:" in plain.identity and "caller" not in plain.identity


def _caller_words(model, *, seconds: float, speech, **config):
    """The caller's words of ``seconds`` of silence with ``speech`` intervals, transcribed by a
    FasterWhisperTranscriber around the scripted ``model``."""
    from callcheck.config import TranscribeConfig
    from callcheck.transcribe.models import ModelSpec
    from callcheck.transcribe.whisper import FasterWhisperTranscriber

    spec = ModelSpec(name="fake", path_or_name="fake", download_root=None, source="path")
    tr = FasterWhisperTranscriber(spec=spec, config=TranscribeConfig(chunk_pad_s=0.2, **config))
    tr._model = model
    x = np.zeros(int(16000 * seconds), np.float32)
    return tr.transcribe(x, 16000, speech=speech, language="de", speaker="caller")


def test_second_reading_decodes_all_the_callers_speech_greedily():
    """``transcribe_second`` (privacy.second_reading): every chunk of the caller's speech decoded in
    one go with the base beam, words timed in the recording; its cache identity names it, and
    there is none when the caller is decoded with the base beam anyway."""
    from callcheck.config import TranscribeConfig
    from callcheck.transcribe.models import ModelSpec
    from callcheck.transcribe.whisper import FasterWhisperTranscriber

    class _Model:
        def __init__(self):
            self.calls = []

        def transcribe(self, audio, **kw):
            self.calls.append((kw["beam_size"], round(len(audio) / 16000, 1)))
            return [SimpleNamespace(words=[SimpleNamespace(word="vier", start=0.3, end=0.7, probability=0.9),
                                           SimpleNamespace(word="zwei", start=2.6, end=3.0, probability=0.8)])], None

    spec = ModelSpec(name="fake", path_or_name="fake", download_root=None, source="path")
    tr = FasterWhisperTranscriber(spec=spec, config=TranscribeConfig(chunk_pad_s=0.2, caller_beam_size=5))
    tr._model = _Model()
    x = np.zeros(16000 * 10, np.float32)
    words = tr.transcribe_second(x, 16000, speech=(Interval(0.5, 2.0), Interval(5.0, 7.0)), language="de",
                                 speaker="caller")
    assert tr._model.calls == [(1, 4.3)]  # both chunks (1.9 s + 2.4 s), greedy, one call
    assert [w.text for w in words] == ["vier", "zwei"] and all(w.speaker == "caller" for w in words)
    assert 0.4 <= words[0].start_s <= 1.0 and 5.3 <= words[1].start_s <= 5.7  # 0.7 s into the second chunk (4.8 s)
    assert tr.second_identity == tr.identity + ":second"
    for same in (0, 1):
        assert FasterWhisperTranscriber(spec=spec, config=TranscribeConfig(caller_beam_size=same)).second_identity is None


def test_caller_beam_search_refills_chunks_it_left_without_words():
    """Beam search that stops early leaves the later speech without words (a dictation then goes
    unredacted in text and audio): those chunks alone are decoded again with the base beam, the
    chunks it did transcribe are kept as they are."""
    from callcheck.transcribe.whisper import uncovered_chunks

    class _Model:
        def __init__(self):
            self.calls = []

        def transcribe(self, audio, **kw):
            self.calls.append((kw["beam_size"], round(len(audio) / 16000, 1)))
            word = "eins" if kw["beam_size"] == 5 else "zwei"
            return [SimpleNamespace(words=[SimpleNamespace(word=word, start=0.3, end=0.7, probability=0.9)])], None

    model = _Model()
    words = _caller_words(model, seconds=10, speech=(Interval(0.5, 2.0), Interval(5.0, 7.0)), caller_beam_size=5)
    assert [w.text for w in words] == ["eins", "zwei"]
    assert model.calls == [(5, 4.3), (1, 2.4)]  # both chunks with beam 5, then the second alone
    assert 4.8 <= words[1].start_s <= 5.4
    # a chunk with a word is covered, a short one is never refilled
    w = words[0]
    assert uncovered_chunks([(0.3, 2.2), (4.8, 7.2), (8.0, 8.5)], [w], min_s=1.0) == [(4.8, 7.2)]


def test_caller_beam_search_that_loops_is_decoded_again():
    """Beam search that repeats an earlier sentence over the caller's next turn (a dictation
    then goes unheard): the chunks where the loop was removed are decoded again greedily."""

    loop = "das Kabel ist etwa zwei Meter".split()

    class _Model:
        def __init__(self):
            self.calls = []

        def transcribe(self, audio, **kw):
            self.calls.append(kw["beam_size"])
            if kw["beam_size"] == 5:  # the first sentence, then three copies of it in the second chunk
                ws = [(t, 0.2 + 0.2 * i) for i, t in enumerate(loop)]
                ws += [(t, 2.7 + 0.12 * (6 * r + i)) for r in range(3) for i, t in enumerate(loop)]
            else:
                ws = [("null", 0.3), ("eins", 0.8)]
            return [SimpleNamespace(words=[SimpleNamespace(word=t, start=a, end=a + 0.1, probability=0.9) for t, a in ws])], None

    model = _Model()
    words = _caller_words(model, seconds=12, speech=(Interval(0.5, 2.3), Interval(5.0, 7.5)))  # chunks of 2.2 s, 2.9 s
    assert model.calls == [5, 1]
    assert [w.text for w in words] == loop + ["null", "eins"]


def test_caller_beam_search_refill_only_where_it_looped():
    """A loop inside one token ("0000000000" over a dictated number) sends its chunk to the
    greedy decode; a chunk of ordinary words, even one repeated twice, is kept as beam search
    wrote it."""

    class _Model:
        def __init__(self):
            self.calls = []

        def transcribe(self, audio, **kw):
            self.calls.append((kw["beam_size"], round(len(audio) / 16000, 1)))
            if kw["beam_size"] == 5:
                ws = [("ja", 0.3), ("ja,", 0.6), ("gut.", 0.9), ("Nummer", 2.7), ("0000000000000", 3.2)]
            else:
                ws = [("vier", 0.3), ("zwei", 0.8)]
            return [SimpleNamespace(words=[SimpleNamespace(word=t, start=a, end=a + 0.2, probability=0.9) for t, a in ws])], None

    model = _Model()
    words = _caller_words(model, seconds=12, speech=(Interval(0.5, 2.3), Interval(5.0, 7.5)))  # chunks of 2.2 s, 2.9 s
    assert model.calls == [(5, 5.1), (1, 2.9)]  # the second chunk alone decoded again
    assert [w.text for w in words] == ["ja", "ja,", "gut.", "vier", "zwei"]
