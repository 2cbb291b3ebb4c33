using System.Text.Json.Nodes;

namespace FastVision.Training;

/// <summary>
/// A callback with state of its own that a resumed fit must get back (a tracker's best value and counters, the
/// recorder's smoothed loss). Every checkpoint saves the state of each such callback of the fit; a fit resumed from it
/// restores them right after <see cref="Callback.BeforeFit"/>, so the resumed run continues as the killed one would have.
/// </summary>
public interface IResumable
{
    JsonNode SaveState();

    void RestoreState(JsonNode state);
}
