-- ardour_export.lua SESSION_DIR EXPORT_DIR SECONDS
--
-- Headless Ardour (ardour7-lua, dummy backend): one session, two tracks,
-- each fed by two full-scale noise generators (peaks well above 0 dBFS)
-- into a failsafe plugin at its defaults (ceiling -1 dBFS):
--   "mono":   1-in track, urn:failsafe:enhancer, panned hard left so the
--             left channel carries the plugin's output unchanged;
--   "stereo": 2-in track, urn:failsafe:enhancer:stereo;
--   "dry":    the same generators and no plugin, hard left: the reference
--             that shows the input really goes over the ceiling.
-- Each track is exported alone (the others muted), so each file shows one
-- plugin.  Prints one "exported NAME" line per file and "done" at the end;
-- any failure raises an error, which ardour7-lua reports.

local session_dir, export_dir, seconds = arg[1], arg[2], tonumber(arg[3] or "5")
assert(session_dir and export_dir, "usage: ardour_export.lua SESSION_DIR EXPORT_DIR [SECONDS]")

local s = create_session(session_dir, "failsafe", 48000)
assert(s, "cannot create a session in " .. session_dir)
local rate = s:nominal_sample_rate()

-- A generator at full scale, of the given ACE Noise type (0 uniform white,
-- 1 gaussian white).
local function add_noise(track, index, noise_type)
	local noise = ARDOUR.LuaAPI.new_luaproc(s, "ACE Noise")
	assert(not noise:isnil(), "ACE Noise is not available")
	assert(track:add_processor_by_index(noise, index, nil, true) == 0, "cannot add ACE Noise")
	ARDOUR.LuaAPI.set_processor_param(noise, 0, 0.0) -- Noise Level, dBFS
	ARDOUR.LuaAPI.set_processor_param(noise, 1, noise_type)
end

local function add_track(name, inputs, uri)
	local list = s:new_audio_track(inputs, 2, nil, 1, name, ARDOUR.PresentationInfo.max_order,
		ARDOUR.TrackMode.Normal, true)
	assert(list:size() == 1, "cannot add track " .. name)
	local track = list:front()
	add_noise(track, 0, 0)
	add_noise(track, 1, 1)
	if not uri then
		return track
	end
	local plugin = ARDOUR.LuaAPI.new_plugin(s, uri, ARDOUR.PluginType.LV2, "")
	assert(not plugin:isnil(), uri .. " not found: is its bundle in LV2_PATH?")
	assert(track:add_processor_by_index(plugin, 2, nil, true) == 0, "cannot add " .. uri)
	print(string.format("track %s: %s, latency %d samples", name, uri, plugin:signal_latency()))
	return track
end

local mono = add_track("mono", 1, "urn:failsafe:enhancer")
local stereo = add_track("stereo", 2, "urn:failsafe:enhancer:stereo")
local dry = add_track("dry", 1, nil)
mono:pan_azimuth_control():set_value(0, PBD.GroupControlDisposition.NoGroup) -- hard left
dry:pan_azimuth_control():set_value(0, PBD.GroupControlDisposition.NoGroup)
local tracks = { mono = mono, stereo = stereo, dry = dry }

local function export(name)
	for other, track in pairs(tracks) do
		track:mute_control():set_value(other == name and 0 or 1, PBD.GroupControlDisposition.NoGroup)
	end
	local e = s:simple_export()
	e:set_folder(export_dir)
	e:set_name(name)
	e:set_range(0, math.floor(seconds * rate))
	assert(e:set_preset("75969a1c-3133-4694-864b-a1fa50e43348"), "no WAV export preset")
	assert(e:check_outputs(), "export has no outputs")
	assert(e:run_export(), "export of " .. name .. " failed")
	print("exported " .. name)
end

export("mono")
export("stereo")
export("dry")
s:save_state("", false, false, false, false, false)
close_session()
print("done")
