-- ardour_state.lua SESSION_DIR train|reload
--
-- Headless Ardour (ardour7-lua, dummy backend): the learned model travels
-- in Ardour's session and comes back into a new plugin instance.
--
--   train:  creates the session "failsafe" in SESSION_DIR (which must not
--           exist) with two tracks, "mono" (urn:failsafe:enhancer) and
--           "stereo" (urn:failsafe:enhancer:stereo), each fed by an ACE
--           Noise generator at -20 dBFS.  It saves the snapshot
--           "untrained" (the model as a fresh instance saves it), then
--           automates each plugin's chaos control through a schedule of
--           faults (modes 1, 2, 3, 5 and 6, never the timing-based 4),
--           plays the session so the plugins run and learn from the
--           incidents, and saves the session ("failsafe").
--   reload: loads that session in a new process, so Ardour creates new
--           plugin instances and restores their state from the session,
--           and saves the snapshot "reloaded" with for_archive set: that
--           makes Ardour ask every plugin for its state again and write it
--           to a new state directory even when it equals the loaded one.
--
-- Ardour writes each LV2 plugin's state to
-- SESSION_DIR/plugins/<processor id>/state<N>/state.ttl and names the
-- directory in the snapshot's <lv2 state-dir="state<N>">; ardour_state.sh
-- compares the models found there.
-- Prints what it did, then "done"; any failure raises an error, which
-- ardour7-lua reports.

local session_dir, mode = arg[1], arg[2]
assert(session_dir and (mode == "train" or mode == "reload"),
	"usage: ardour_state.lua SESSION_DIR train|reload")

local name = "failsafe"
local tracks = {
	{ name = "mono", inputs = 1, uri = "urn:failsafe:enhancer" },
	{ name = "stereo", inputs = 2, uri = "urn:failsafe:enhancer:stereo" },
}
local chaos_param = 5 -- the plugin's "chaos" control input (ttl/controls.ttl.in)
local seconds = 12

-- Session:save_state(snapshot, pending, switch_to_snapshot, template_only,
--                    for_archive, only_used_assets); 0 is success.
local function save(s, snapshot, for_archive)
	assert(s:save_state(snapshot, false, false, false, for_archive, false) == 0,
		"cannot save the snapshot '" .. snapshot .. "'")
	print("saved snapshot " .. (snapshot == "" and name or snapshot))
end

if mode == "train" then
	local s = create_session(session_dir, name, 48000)
	assert(s, "cannot create a session in " .. session_dir)
	local rate = s:nominal_sample_rate()

	local plugins = {}
	for _, t in ipairs(tracks) do
		local list = s:new_audio_track(t.inputs, 2, nil, 1, t.name, ARDOUR.PresentationInfo.max_order,
			ARDOUR.TrackMode.Normal, true)
		assert(list:size() == 1, "cannot add the track " .. t.name)
		local track = list:front()
		local noise = ARDOUR.LuaAPI.new_luaproc(s, "ACE Noise")
		assert(not noise:isnil(), "ACE Noise is not available")
		assert(track:add_processor_by_index(noise, 0, nil, true) == 0, "cannot add ACE Noise")
		ARDOUR.LuaAPI.set_processor_param(noise, 0, -20.0) -- Noise Level, dBFS
		local plugin = ARDOUR.LuaAPI.new_plugin(s, t.uri, ARDOUR.PluginType.LV2, "")
		assert(not plugin:isnil(), t.uri .. " not found: is its bundle in LV2_PATH?")
		assert(track:add_processor_by_index(plugin, 1, nil, true) == 0, "cannot add " .. t.uri)
		plugins[#plugins + 1] = plugin
		print(string.format("track %s: %s", t.name, t.uri))
	end

	-- What a fresh instance saves, by the same host, before any incident.
	save(s, "untrained", false)

	-- Chaos on each plugin: a fault for 0.25 s every 1.25 s, cycling
	-- through the modes, with 2 s of quiet at the end so every incident is
	-- over and learned from before the session is saved.  So many faults
	-- make the net take a tier out until reactivation, and the plugin says
	-- so in a warning: expected here, and more for the learner to learn.
	local modes = { 1, 2, 3, 5, 6 }
	local faults = 0
	for _, plugin in ipairs(plugins) do
		local al, cl, pd = ARDOUR.LuaAPI.plugin_automation(plugin, chaos_param)
		assert(not al:isnil(), "the plugin has no automatable chaos control")
		assert(pd.lower == 0 and pd.upper == 9, "parameter " .. chaos_param .. " is not chaos (0..9)")
		local ac = plugin:to_insert():to_automatable():automation_control(
			Evoral.Parameter(ARDOUR.AutomationType.PluginAutomation, 0, chaos_param), false)
		assert(not ac:isnil(), "no automation control for chaos")
		faults = 0
		cl:add(Temporal.timepos_t(0), 0, false, true)
		local at = 0.5
		while at + 0.25 <= seconds - 2 do
			local m = modes[faults % #modes + 1]
			local on = math.floor(at * rate)
			local off = math.floor((at + 0.25) * rate)
			cl:add(Temporal.timepos_t(on - 1), 0, false, false)
			cl:add(Temporal.timepos_t(on), m, false, false)
			cl:add(Temporal.timepos_t(off - 1), m, false, false)
			cl:add(Temporal.timepos_t(off), 0, false, false)
			faults = faults + 1
			at = at + 1.25
		end
		ac:set_automation_state(ARDOUR.AutoState.Play)
	end
	print(string.format("chaos automated: %d faults of 0.25 s in %d s on each plugin", faults, seconds))

	-- Play the session in real time (the dummy backend's clock): the
	-- plugins run with the automated chaos and learn from the incidents.
	-- Rolling rather than exporting: here Ardour 7.3 corrupts its heap
	-- often when a finished export is torn down, with or without failsafe.
	s:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
	local waited = 0
	while s:transport_sample() < seconds * rate and waited < 4 * seconds do
		ARDOUR.LuaAPI.usleep(100000)
		waited = waited + 0.1
	end
	s:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
	ARDOUR.LuaAPI.usleep(500000) -- the stop, and the last drains of the worker
	assert(s:transport_sample() >= seconds * rate, string.format(
		"the transport did not roll: at %d after %.1f s", s:transport_sample(), waited))
	assert(not s:transport_rolling(), "the transport did not stop")
	print(string.format("played %d s with chaos", seconds))

	save(s, "", false)
	close_session()
else
	local s = load_session(session_dir, name)
	assert(s, "cannot load the session " .. name .. " from " .. session_dir)
	local found = 0
	for route in s:get_routes():iter() do
		local i = 0
		while true do
			local proc = route:nth_plugin(i)
			if proc:isnil() then
				break
			end
			local pi = proc:to_insert()
			if not pi:isnil() and pi:type() == ARDOUR.PluginType.LV2 then
				print(string.format("loaded track %s: %s", route:name(), pi:plugin(0):unique_id()))
				found = found + 1
			end
			i = i + 1
		end
	end
	assert(found == #tracks, string.format("the session has %d LV2 plugins, not %d", found, #tracks))
	save(s, "reloaded", true)
	close_session()
end
print("done")
