-- The approved recording a call played (issue 5: only approved audio plays, and every call records
-- which version): the safe-harbor message on an abandoned call (CR-46), the voicemail drop left on a
-- machine, a prerecorded message, or an IVR call's opening prompt. NULL: the call played none.
ALTER TABLE call_attempts ADD COLUMN audio_version_id BIGINT REFERENCES audio_versions (id);
