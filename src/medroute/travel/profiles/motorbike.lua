-- medroute motorbike profile for OSRM (api_version 4).
--
-- Based on OSRM's car.lua (shipped with osrm-bindings 26.10, BSD-2-Clause) and reduced to what a
-- courier motorbike in an Indonesian town does, so that it agrees with medroute's `osm` graph
-- backend (medroute/travel/speeds.py is the single source of the numbers):
--   * roads: every highway class except toll motorways and foot/cycle-only ways (gang, service
--     roads, tracks and living streets included);
--   * speed: a running speed per highway class (km/h), capped by the maxspeed tag;
--   * weight = duration (fastest path); no turn, u-turn, signal, width or surface penalties,
--     because the graph backend models none either.
-- medroute prepends `package.path` (OSRM's profile lib/) and `MEDROUTE_SPEEDS` /
-- `MEDROUTE_UNKNOWN_SPEED` built from the Python table; the literals below are the same defaults
-- for standalone use.

api_version = 4

Set = require('lib/set')
Sequence = require('lib/sequence')
Handlers = require("lib/way_handlers")
Tags = require('lib/tags')
find_access_tag = require("lib/access").find_access_tag
resolve_access = require("lib/access").resolve_access

local DEFAULT_SPEEDS = {
  trunk = 45, trunk_link = 35, primary = 40, primary_link = 30, secondary = 35,
  secondary_link = 30, tertiary = 30, tertiary_link = 25, unclassified = 30, road = 25,
  residential = 25, living_street = 15, service = 15, track = 15, busway = 25
}

function setup()
  return {
    properties = {
      max_speed_for_map_matching    = 120/3.6,
      weight_name                   = 'duration',
      process_call_tagless_node     = false,
      u_turn_penalty                = 0,
      continue_straight_at_waypoint = false,
      use_turn_restrictions         = true,
      traffic_signal_penalty        = 0,
    },

    default_mode   = mode.driving,
    default_speed  = MEDROUTE_UNKNOWN_SPEED or 30,
    unknown_speed  = MEDROUTE_UNKNOWN_SPEED or 30,
    oneway_handling = true,
    turn_penalty   = 0,
    speed_reduction = 1.0,

    vehicle_height = 1.5,
    vehicle_width  = 0.8,
    vehicle_length = 2.0,
    vehicle_weight = 150,

    barrier_whitelist = Set {
      'cattle_grid', 'border_control', 'toll_booth', 'sally_port', 'gate', 'lift_gate', 'no',
      'entrance', 'height_restrictor', 'arch', 'bollard', 'kerb', 'block', 'swing_gate', 'chain'
    },

    access_tag_whitelist = Set {
      'yes', 'motorcycle', 'motor_vehicle', 'vehicle', 'permissive', 'designated', 'destination',
      'customers', 'delivery'
    },

    access_tag_blacklist = Set { 'no', 'private', 'emergency' },

    service_access_tag_blacklist = Set { 'private' },

    restricted_access_tag_list = Set { },

    restricted_highway_whitelist = Set { },

    construction_whitelist = Set { 'no', 'widening', 'minor' },

    access_tags_hierarchy = Sequence { 'motorcycle', 'motor_vehicle', 'vehicle', 'access' },

    service_tag_forbidden = Set { 'emergency_access' },

    restrictions = Sequence { 'motorcycle', 'motor_vehicle', 'vehicle' },

    classes = Sequence { 'toll', 'motorway', 'ferry', 'restricted', 'tunnel' },

    excludable = Sequence { Set {'toll'}, Set {'ferry'} },

    -- highway classes a motorbike does not ride (speeds.py EXCLUDED_HIGHWAYS)
    avoid = Set {
      'area', 'reversible', 'impassable', 'motorway', 'motorway_link', 'footway', 'pedestrian',
      'steps', 'cycleway', 'bridleway', 'path', 'corridor', 'elevator', 'escalator', 'platform',
      'proposed', 'construction', 'abandoned', 'raceway', 'bus_guideway', 'via_ferrata',
      'disused', 'razed'
    },

    speeds = Sequence { highway = MEDROUTE_SPEEDS or DEFAULT_SPEEDS },

    route_speeds = { ferry = 5, shuttle_train = 10 },
    bridge_speeds = { movable = 5 },
    maxspeed_table_default = { urban = 50, rural = 80, trunk = 80, motorway = 100 },
    maxspeed_table = { ["id:urban"] = 50, ["id:rural"] = 80, ["id:motorway"] = 100 },
    surface_speeds = {}, tracktype_speeds = {}, smoothness_speeds = {},
    relation_types = Sequence { "route" },
    highway_turn_classification = {},
    access_turn_classification = {}
  }
end

function process_node(profile, node, result, relations)
  local access = resolve_access(find_access_tag(node, profile.access_tags_hierarchy), profile)
  if access and profile.access_tag_blacklist[access] then
    obstacle_map:add(node, Obstacle.new(obstacle_type.barrier))
  end
end

-- class speed, or the unknown-class speed for a highway value not in the table
local function motorbike_speed(profile, way, result, data)
  if result.forward_speed ~= -1 then
    return
  end
  if not data.highway or data.highway == '' then
    return false
  end
  local speed = profile.speeds.highway[data.highway] or profile.unknown_speed
  result.forward_speed = speed
  result.backward_speed = speed
end

-- maxspeed is a cap, never a raise
local function maxspeed_cap(profile, way, result, data)
  local keys = Sequence { 'maxspeed:advisory', 'maxspeed' }
  local forward, backward = Tags.get_forward_backward_by_set(way, data, keys)
  forward = WayHandlers.parse_maxspeed(forward, profile)
  backward = WayHandlers.parse_maxspeed(backward, profile)
  if forward and forward > 0 and result.forward_speed > 0 then
    result.forward_speed = math.min(result.forward_speed, forward)
  end
  if backward and backward > 0 and result.backward_speed > 0 then
    result.backward_speed = math.min(result.backward_speed, backward)
  end
end

function process_way(profile, way, result, relations)
  local data = {
    highway = way:get_value_by_key('highway'),
    bridge = way:get_value_by_key('bridge'),
    route = way:get_value_by_key('route')
  }
  if (not data.highway or data.highway == '') and (not data.route or data.route == '') then
    return
  end

  local handlers = Sequence {
    WayHandlers.default_mode,
    WayHandlers.blocked_ways,
    WayHandlers.avoid_ways,
    WayHandlers.access,
    WayHandlers.oneway,
    WayHandlers.destinations,
    WayHandlers.ferries,
    WayHandlers.movables,
    WayHandlers.service,
    motorbike_speed,
    maxspeed_cap,
    WayHandlers.classes,
    WayHandlers.roundabouts,
    WayHandlers.startpoint,
    WayHandlers.names,
    WayHandlers.weights
  }
  WayHandlers.run(profile, way, result, data, handlers, relations)
end

function process_turn(profile, turn)
  turn.duration = 0
  if turn.is_u_turn then
    turn.duration = profile.properties.u_turn_penalty
  end
  turn.weight = turn.duration
end

return {
  setup = setup,
  process_way = process_way,
  process_node = process_node,
  process_turn = process_turn
}
