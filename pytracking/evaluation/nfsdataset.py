"""NFS (Need for Speed), 30 FPS version.

Publication: Need for Speed: A Benchmark for Higher Frame Rate Object Tracking, Kiani Galoogahi, Fagg,
Huang, Ramanan and Lucey, ICCV 2017. Download: http://ci2cv.net/nfs/index.html

On disk: ``<nfs_path>/sequences/<video>/<frame:05d>.jpg`` and ``<nfs_path>/anno/nfs_<video>.txt``
(tab-separated ``x y w h``).
"""
from pytracking.evaluation._infolist import InfoListDataset

# video|endFrame|object_class|occlusion (benchmark data: the official 100 videos; all start at frame 1).
_NFS_TABLE = """
Gymnastics|368|person|0
MachLoop_jet|99|aircraft|0
Skiing_red|69|person|0
Skydiving|196|person|1
airboard_1|425|ball|0
airplane_landing|81|aircraft|0
airtable_3|482|ball|0
basketball_1|282|ball|0
basketball_2|102|ball|0
basketball_3|421|ball|0
basketball_6|224|ball|0
basketball_7|240|person|1
basketball_player|369|person|1
basketball_player_2|437|person|0
beach_flipback_person|61|person head|0
bee|45|insect|0
biker_acrobat|128|bicycle|0
biker_all_1|113|person|0
biker_head_2|132|person head|0
biker_head_3|254|person head|0
biker_upper_body|194|person|0
biker_whole_body|572|person|1
billiard_2|604|ball|0
billiard_3|698|ball|0
billiard_6|771|ball|0
billiard_7|724|ball|0
billiard_8|778|ball|0
bird_2|476|bird|0
book|288|other|0
bottle|2103|other|0
bowling_1|303|ball|1
bowling_2|710|ball|1
bowling_3|271|ball|1
bowling_6|260|ball|0
bowling_ball|275|ball|1
bunny|705|mammal|0
car|2020|car|1
car_camaro|36|car|0
car_drifting|173|car|0
car_jumping|22|car|0
car_rc_rolling|62|car|0
car_rc_rotating|80|car|0
car_side|108|car|0
car_white|2063|car|0
cheetah|167|mammal|1
cup|1281|other|0
cup_2|182|other|0
dog|1030|dog|1
dog_1|168|dog|0
dog_2|594|dog|1
dog_3|200|dog|0
dogs|198|dog|1
dollar|1426|other|0
drone|70|aircraft|0
ducks_lake|107|bird|0
exit|359|other|0
first|435|other|0
flower|448|other|0
footbal_skill|131|ball|1
helicopter|310|aircraft|0
horse_jumping|117|horse|1
horse_running|139|horse|0
iceskating_6|603|person|0
jellyfish_5|746|invertebrate|0
kid_swing|169|person|0
motorcross|39|vehicle|1
motorcross_kawasaki|65|vehicle|0
parkour|58|person head|0
person_scooter|413|person|1
pingpong_2|1277|ball|0
pingpong_7|1290|ball|0
pingpong_8|296|ball|0
purse|968|other|0
rubber|1328|other|0
running|677|person|0
running_100_m|313|person|1
running_100_m_2|337|person|1
running_2|363|person|0
shuffleboard_1|42|other|0
shuffleboard_2|41|other|0
shuffleboard_4|62|other|0
shuffleboard_5|32|other|0
shuffleboard_6|52|other|0
shuffletable_2|372|other|0
shuffletable_3|368|other|0
shuffletable_4|101|other|0
ski_long|274|person|0
soccer_ball|163|ball|0
soccer_ball_2|1934|ball|0
soccer_ball_3|1381|ball|0
soccer_player_2|475|person|0
soccer_player_3|319|person|1
stop_sign|302|other|0
suv|2584|car|0
tiger|1556|mammal|0
walking|555|person|0
walking_3|1427|person|0
water_ski_2|47|person|0
yoyo|67|other|0
zebra_fish|671|fish|0
"""


def nfs_sequence_info_list():
    """The 100 NFS videos as dicts (``name, path, startFrame, endFrame, nz, ext, anno_path, object_class,
    occlusion``)."""
    infos = []
    for line in _NFS_TABLE.strip().splitlines():
        video, end, cls, occ = line.split('|')
        infos.append(dict(name='nfs_' + video, path='sequences/' + video, startFrame=1, endFrame=int(end), nz=5,
                          ext='jpg', anno_path='anno/nfs_{}.txt'.format(video), object_class=cls,
                          occlusion=occ == '1'))
    return infos


class NFSDataset(InfoListDataset):
    """NFS dataset (100 videos); path from ``env_settings().nfs_path`` (env ``PYTRACKING_NFS_PATH``)."""

    dataset_name = 'nfs'
    path_setting = 'nfs_path'
    anno_delimiter = '\t'

    def _info_list(self):
        return nfs_sequence_info_list()
