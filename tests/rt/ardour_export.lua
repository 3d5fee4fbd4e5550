-- ardour_export.lua SESSION_DIR EXPORT_DIR SECONDS WHICH
--
-- Headless Ardour (ardour7-lua, dummy backend): a session with one track
-- fed by a full-scale Gaussian noise generator (peaks above 0 dBFS), and
-- one export of it to EXPORT_DIR/WHICH*.wav.  WHICH is
--   "mono":   a 1-in track with urn:failsafe:enhancer at its defaults
--             (ceiling -1 dBFS), panned hard left so the left channel
--             carries the plugin's output unchanged;
--   "stereo": a 2-in track with urn:failsafe:enhancer:stereo;
--   "dry":    the generator alone, hard left: the reference that shows
--             the input really goes over the ceiling.
-- One export per session and per process: Ardour 7.3 corrupts its heap now
-- and then when one session exports several times, or when a track holds
-- two ACE Noise generators, with or without any plugin.
-- Prints "track ..." and "exported WHICH", then "done"; any failure raises
-- an error, which ardour7-lua reports.

local session_dir, export_dir, seconds, which = arg[1], arg[2], tonumber(arg[3] or "5"), arg[4]
local plugins = { mono = "urn:failsafe:enhancer", stereo = "urn:failsafe:enhancer:stereo", dry = false }
assert(session_dir and export_dir and plugins[which] ~= nil,
	"usage: ardour_export.lua SESSION_DIR EXPORT_DIR SECONDS mono|stereo|dry")

local s = create_session(session_dir, "failsafe", 48000)
assert(s, "cannot create a session in " .. session_dir)
local rate = s:nominal_sample_rate()

local inputs = which == "stereo" and 2 or 1
local list = s:new_audio_track(inputs, 2, nil, 1, which, ARDOUR.PresentationInfo.max_order,
	ARDOUR.TrackMode.Normal, true)
assert(list:size() == 1, "cannot add a track")
local track = list:front()

local noise = ARDOUR.LuaAPI.new_luaproc(s, "ACE Noise")
assert(not noise:isnil(), "ACE Noise is not available")
assert(track:add_processor_by_index(noise, 0, nil, true) == 0, "cannot add ACE Noise")
ARDOUR.LuaAPI.set_processor_param(noise, 0, 0.0) -- Noise Level, dBFS
ARDOUR.LuaAPI.set_processor_param(noise, 1, 1) -- Gaussian white noise

local uri = plugins[which]
if uri then
	local plugin = ARDOUR.LuaAPI.new_plugin(s, uri, ARDOUR.PluginType.LV2, "")
	assert(not plugin:isnil(), uri .. " not found: is its bundle in LV2_PATH?")
	assert(track:add_processor_by_index(plugin, 1, nil, true) == 0, "cannot add " .. uri)
	print(string.format("track %s: %s, latency %d samples", which, uri, plugin:signal_latency()))
end
if inputs == 1 then
	track:pan_azimuth_control():set_value(0, PBD.GroupControlDisposition.NoGroup) -- hard left
end

local e = s:simple_export()
e:set_folder(export_dir)
e:set_name(which)
e:set_range(0, math.floor(seconds * rate))
assert(e:set_preset("75969a1c-3133-4694-864b-a1fa50e43348"), "no WAV export preset")
assert(e:check_outputs(), "export has no outputs")
assert(e:run_export(), "export of " .. which .. " failed")
print("exported " .. which)
e = nil
collectgarbage()
close_session()
print("done")
