"""Transcription: model resolution and the faster-whisper adapter behind the Transcriber protocol."""
